/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Marker macros. Each one emits a global `const void *` (or typed pointer) variable whose name
 * encodes the gadget's wiring; user space finds them in the object's BTF (VAR names split on
 * "___"). Names and encoding are those of upstream Inspektor Gadget, so gadget sources and
 * objects are interchangeable.
 */
#ifndef __MACROS_H
#define __MACROS_H

#define __GADGET_MARKER __attribute__((unused))

#define __CONCAT_IMPL(a, b) a##b
#define __CONCAT(a, b) __CONCAT_IMPL(a, b)

/* Number of variadic arguments, 1..4. */
#define __VA_NARGS_IMPL(_1, _2, _3, _4, N, ...) N
#define __VA_NARGS(...) __VA_NARGS_IMPL(__VA_ARGS__, 4, 3, 2, 1)

#define __GADGET_ITER_PROGRAMS_EXPAND_1(name, type, p1) \
	const void *gadget_iter_##name##___##type##___##p1 __GADGET_MARKER;
#define __GADGET_ITER_PROGRAMS_EXPAND_2(name, type, p1, p2) \
	const void *gadget_iter_##name##___##type##___##p1##___##p2 __GADGET_MARKER;
#define __GADGET_ITER_PROGRAMS_EXPAND_3(name, type, p1, p2, p3)                      \
	const void *gadget_iter_##name##___##type##___##p1##___##p2##___##p3 \
		__GADGET_MARKER;
#define __GADGET_ITER_PROGRAMS_EXPAND(name, type, nargs, ...) \
	__CONCAT(__GADGET_ITER_PROGRAMS_EXPAND_, nargs)(name, type, __VA_ARGS__)
#define __GADGET_ITER_IMPL(name, type, ...) \
	__GADGET_ITER_PROGRAMS_EXPAND(name, type, __VA_NARGS(__VA_ARGS__), __VA_ARGS__)

/*
 * GADGET_TRACER(name, map, event_type): data source `name` whose records arrive on the ring
 * buffer (or perf array) `map` and are laid out as `struct event_type`. The typed pointer keeps
 * the struct in BTF even when the program only uses it through sizeof.
 */
#define GADGET_TRACER(name, map_name, event_type)                                       \
	const void *gadget_tracer_##name##___##map_name##___##event_type __GADGET_MARKER; \
	const struct event_type *__gadget_tracer_type_##name __GADGET_MARKER;

/* GADGET_PARAM(var): expose the `const volatile` global `var` as a run-time parameter. */
#define GADGET_PARAM(name) const void *gadget_param_##name __GADGET_MARKER;

/*
 * GADGET_ITER(name, type, prog1[, prog2[, prog3]]): array data source `name` made of the
 * `struct type` records the iter/ programs write.
 */
#define GADGET_ITER(name, type, ...)                                          \
	const struct type *unusedevent_##name##___##type __GADGET_MARKER; \
	__GADGET_ITER_IMPL(name, type, __VA_ARGS__)

/* Older spelling of GADGET_ITER, still accepted. */
#define GADGET_SNAPSHOTTER(name, type, ...) GADGET_ITER(name, type, __VA_ARGS__)

/* GADGET_MAPITER(name, map): periodically dump hash map `map` as array data source `name`. */
#define GADGET_MAPITER(name, mapname) \
	const void *gadget_mapiter_##name##___##mapname __GADGET_MARKER;

/* GADGET_ITER_TARGET_MAP(prog, map): the map an iter/bpf_map_elem program walks. */
#define GADGET_ITER_TARGET_MAP(prog_name, mapname) \
	const void *gadget_mapelem_iter_target_##prog_name##___##mapname __GADGET_MARKER;

/* GADGET_SK_TARGET_MAP(prog, map): the sockmap/sockhash an sk_skb/sk_msg program attaches to. */
#define GADGET_SK_TARGET_MAP(prog_name, mapname) \
	const void *gadget_sk_prog_target_##prog_name##___##mapname __GADGET_MARKER;

#endif /* __MACROS_H */
