// Command cpuwork burns a fixed amount of single-threaded CPU: it chains n
// sha256 hashes and prints the last. The benchmark's "cpu" image runs it in
// a RUN step, standing for a compiler or an asset pipeline.
package main

import (
	"crypto/sha256"
	"flag"
	"fmt"
)

func main() {
	n := flag.Int("n", 10_000_000, "hashes to chain")
	flag.Parse()
	sum := sha256.Sum256([]byte("ecsctl"))
	for i := 0; i < *n; i++ {
		sum = sha256.Sum256(sum[:])
	}
	fmt.Printf("%x\n", sum)
}
