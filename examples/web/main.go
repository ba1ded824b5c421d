// Command web is the example application's front end: it serves a page on
// / and its health on /health (port 8080, or $PORT).
//
// It reads its message from /etc/web/message.txt at start and exits 1
// without it: the local trial (scripts/trial.sh) builds an image without the
// file to show a failed deploy being detected and rolled back.
package main

import (
	"fmt"
	"log"
	"net/http"
	"os"
	"strings"
)

const messageFile = "/etc/web/message.txt"

func main() {
	msg, err := os.ReadFile(messageFile)
	if err != nil {
		fmt.Fprintf(os.Stderr, "web: %v\n", err)
		os.Exit(1)
	}
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	http.HandleFunc("/health", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	http.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintf(w, "<!doctype html><title>example</title><h1>%s</h1>\n", strings.TrimSpace(string(msg)))
	})
	log.Printf("web: listening on :%s", port)
	log.Fatal(http.ListenAndServe(":"+port, nil))
}
