package dockertest

import (
	"archive/tar"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/moby/moby/client"
)

// BusyboxPath is the static busybox binary base images are made from
// (Debian's busybox-static).
const BusyboxPath = "/bin/busybox"

// BusyboxRepository is the local repository base images are imported into.
const BusyboxRepository = "ecsctl-test/busybox"

var (
	busyboxMu  sync.Mutex
	busyboxRef string
)

// BusyboxImage returns the reference of a local base image with a shell and
// the usual tools (busybox applets in /bin), importing it into the engine
// the first time. Nothing is pulled: the image is `docker import`ed from a
// root filesystem made of /bin/busybox. Its tag is derived from the binary,
// so test processes share it and it is imported once per engine.
func BusyboxImage(tb testing.TB, c *client.Client) string {
	tb.Helper()
	busyboxMu.Lock()
	defer busyboxMu.Unlock()
	if busyboxRef != "" {
		return busyboxRef
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	ref, err := ImportBusybox(ctx, c)
	if err != nil {
		if os.IsNotExist(err) {
			Unavailable(tb, "%s is missing (install Debian's busybox-static): %v", BusyboxPath, err)
		}
		tb.Fatalf("import busybox base image: %v", err)
	}
	busyboxRef = ref
	return ref
}

// ImportBusybox imports the busybox base image unless the engine already has
// it, and returns its reference. Benchmarks and tools use it without a
// testing.TB.
func ImportBusybox(ctx context.Context, c *client.Client) (string, error) {
	bin, err := os.ReadFile(BusyboxPath)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(bin)
	ref := BusyboxRepository + ":" + hex.EncodeToString(sum[:6])
	if _, err := c.ImageInspect(ctx, ref); err == nil {
		return ref, nil
	}
	applets, err := busyboxApplets()
	if err != nil {
		return "", err
	}
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(writeBusyboxRootfs(pw, bin, applets)) }()
	res, err := c.ImageImport(ctx, client.ImageImportSource{Source: pr, SourceName: "-"}, ref, client.ImageImportOptions{
		Message: "busybox rootfs for ecsctl's tests",
		Changes: []string{
			"ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
			`CMD ["sh"]`,
		},
	})
	if err != nil {
		_ = pr.CloseWithError(err)
		return "", fmt.Errorf("docker import: %w", err)
	}
	defer res.Close()
	body, err := io.ReadAll(res)
	if err != nil {
		return "", fmt.Errorf("docker import: %w", err)
	}
	if strings.Contains(string(body), `"error"`) {
		return "", fmt.Errorf("docker import: %s", body)
	}
	if _, err := c.ImageInspect(ctx, ref); err != nil {
		return "", fmt.Errorf("docker import: image %s missing afterwards: %w", ref, err)
	}
	return ref, nil
}

func busyboxApplets() ([]string, error) {
	out, err := exec.Command(BusyboxPath, "--list").Output()
	if err != nil {
		return nil, fmt.Errorf("busybox --list: %w", err)
	}
	var applets []string
	for _, a := range strings.Fields(string(out)) {
		if a != "busybox" && !strings.ContainsAny(a, "/[") {
			applets = append(applets, a)
		}
	}
	return applets, nil
}

// writeBusyboxRootfs writes a minimal root filesystem: busybox with every
// applet linked in /bin, /usr/bin/env, /tmp, /root and an /etc with root and
// nobody.
func writeBusyboxRootfs(w io.Writer, bin []byte, applets []string) error {
	tw := tar.NewWriter(w)
	epoch := time.Unix(0, 0)
	dir := func(name string, mode int64) error {
		return tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: name + "/", Mode: mode, ModTime: epoch})
	}
	file := func(name string, mode int64, b []byte) error {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: mode, Size: int64(len(b)), ModTime: epoch}); err != nil {
			return err
		}
		_, err := tw.Write(b)
		return err
	}
	link := func(name, target string) error {
		return tw.WriteHeader(&tar.Header{Typeflag: tar.TypeSymlink, Name: name, Linkname: target, Mode: 0o777, ModTime: epoch})
	}
	steps := []func() error{
		func() error { return dir("bin", 0o755) },
		func() error { return dir("etc", 0o755) },
		func() error { return dir("root", 0o700) },
		func() error { return dir("tmp", 0o1777) },
		func() error { return dir("usr", 0o755) },
		func() error { return dir("usr/bin", 0o755) },
		func() error { return dir("var", 0o755) },
		func() error { return file("bin/busybox", 0o755, bin) },
		func() error { return link("usr/bin/env", "/bin/busybox") },
		func() error {
			return file("etc/passwd", 0o644, []byte("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n"))
		},
		func() error { return file("etc/group", 0o644, []byte("root:x:0:\nnogroup:x:65534:\n")) },
	}
	for _, a := range applets {
		steps = append(steps, func() error { return link("bin/"+a, "busybox") })
	}
	for _, s := range steps {
		if err := s(); err != nil {
			return err
		}
	}
	return tw.Close()
}
