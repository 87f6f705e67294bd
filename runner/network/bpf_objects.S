/* The network operator's own eBPF objects, compiled at build time (runner/CMakeLists.txt). */
	.section .rodata
	.balign 8
	.global ig_socket_enricher_object
ig_socket_enricher_object:
	.incbin IG_SOCKET_ENRICHER_OBJECT
	.global ig_socket_enricher_object_end
ig_socket_enricher_object_end:
	.balign 8
	.global ig_dispatcher_object
ig_dispatcher_object:
	.incbin IG_DISPATCHER_OBJECT
	.global ig_dispatcher_object_end
ig_dispatcher_object_end:
	.section .note.GNU-stack,"",@progbits
