// Command hello is the floor: the start-up of a Go program that does nothing.
package main

import "fmt"

func main() { fmt.Println("hello") }
