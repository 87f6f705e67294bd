// User-stack test program in Go: chmod(2) through main.level3 -> main.level2 -> main.level1.
// Usage: nested-go PATH [SLEEP_MS]
package main

import (
	"os"
	"strconv"
	"syscall"
	"time"
	"unsafe"
)

//go:noinline
func level1(path string) syscall.Errno {
	p, err := syscall.BytePtrFromString(path)
	if err != nil {
		return syscall.EINVAL
	}
	_, _, errno := syscall.Syscall(syscall.SYS_CHMOD, uintptr(unsafe.Pointer(p)), 0600, 0)
	return errno
}

//go:noinline
func level2(path string) syscall.Errno {
	return level1(path) | 0
}

//go:noinline
func level3(path string) syscall.Errno {
	return level2(path) | 0
}

func main() {
	if len(os.Args) < 2 {
		os.Exit(2)
	}
	errno := level3(os.Args[1])
	if len(os.Args) > 2 {
		ms, _ := strconv.Atoi(os.Args[2])
		time.Sleep(time.Duration(ms) * time.Millisecond)
	}
	if errno != 0 {
		os.Exit(1)
	}
}
