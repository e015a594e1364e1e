// gostack [N]: 8 goroutines each call work() N times (default 500). work
// recurses 48 frames deep through grow() with 256-byte arguments, past the
// goroutine's starting stack, so the runtime copies the stack while work's
// call is open, and yields (runtime.Gosched) so the goroutine may resume on
// another thread. A return probe on work kills the program ("unexpected
// return pc"). Prints "calls=N sum=S".
package main

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"sync"
)

const goroutines = 8

//go:noinline
func grow(depth int, pad [256]byte) int {
	if depth == 0 {
		return int(pad[0])
	}
	return grow(depth-1, pad) + 1
}

//go:noinline
func leaf(x int) int {
	return x*2 + 1
}

//go:noinline
func work(i int) int {
	var pad [256]byte
	pad[0] = byte(i)
	r := grow(48, pad)
	runtime.Gosched()
	return r + leaf(i)
}

func main() {
	n := 500
	if len(os.Args) > 1 {
		n, _ = strconv.Atoi(os.Args[1])
	}
	var wg sync.WaitGroup
	sums := make([]int, goroutines)
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < n; i++ {
				sums[g] += work(i)
			}
		}(g)
	}
	wg.Wait()
	total := 0
	for _, s := range sums {
		total += s
	}
	fmt.Printf("calls=%d sum=%d\n", goroutines*n, total)
}
