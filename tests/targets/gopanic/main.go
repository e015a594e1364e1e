// gopanic [N]: mayPanic panics in each of N calls (default 100), recovered by
// a deferred recover() in safeCall, which is not traced; then leaf is called
// 10*N times. The panicking calls never reach an exit: sonde must count them
// as unwound and still pair every later call. Prints "recovered=N sum=S".
package main

import (
	"fmt"
	"os"
	"strconv"
)

//go:noinline
func mayPanic(i int) int {
	if i >= 0 {
		panic("boom")
	}
	return i
}

//go:noinline
func safeCall(i int) (r int) {
	defer func() {
		if recover() != nil {
			r = 1
		}
	}()
	return mayPanic(i)
}

//go:noinline
func leaf(x int) int { return x + 1 }

func main() {
	n := 100
	if len(os.Args) > 1 {
		n, _ = strconv.Atoi(os.Args[1])
	}
	recovered, sum := 0, 0
	for i := 0; i < n; i++ {
		recovered += safeCall(i)
	}
	for i := 0; i < 10*n; i++ {
		sum += leaf(i)
	}
	fmt.Printf("recovered=%d sum=%d\n", recovered, sum)
}
