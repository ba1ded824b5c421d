package awssim

import (
	"bufio"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"hash"
	"hash/crc32"
	"hash/crc64"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// maxS3Object caps the size of an object the simulator keeps in memory
// (S3's own limit for one PutObject is 5 GB).
const maxS3Object = 256 << 20

func s3IncompleteBody() *APIError {
	return badRequest("IncompleteBody", "You did not provide the number of bytes specified by the Content-Length HTTP header")
}

func s3TooLarge() *APIError {
	return badRequest("EntityTooLarge", "Your proposed upload exceeds the maximum allowed size (the simulator keeps objects of up to %d bytes)", maxS3Object)
}

// readS3Body reads a request body. Current SDKs send uploads over TLS as
// aws-chunked: the payload in hex-length-prefixed chunks (each possibly
// signed), then trailers carrying the checksum. Those are decoded here and
// the trailers returned; plain bodies are read as they are.
func readS3Body(r *http.Request) (body []byte, trailers map[string]string, err error) {
	chunked := strings.Contains(r.Header.Get("Content-Encoding"), "aws-chunked") ||
		strings.HasPrefix(r.Header.Get("X-Amz-Content-Sha256"), "STREAMING-")
	if !chunked {
		body, err := io.ReadAll(io.LimitReader(r.Body, maxS3Object+1))
		switch {
		case err != nil:
			return nil, nil, s3IncompleteBody()
		case len(body) > maxS3Object:
			return nil, nil, s3TooLarge()
		}
		return body, nil, nil
	}
	body, trailers, err = decodeAWSChunked(bufio.NewReader(r.Body))
	if err != nil {
		return nil, nil, err
	}
	if n := r.Header.Get("X-Amz-Decoded-Content-Length"); n != "" && n != strconv.Itoa(len(body)) {
		return nil, nil, s3IncompleteBody()
	}
	return body, trailers, nil
}

// decodeAWSChunked decodes
//
//	<hex size>[;chunk-signature=<sig>]\r\n<data>\r\n ... 0[;...]\r\n[<name>:<value>\r\n...]\r\n
func decodeAWSChunked(br *bufio.Reader) (body []byte, trailers map[string]string, err error) {
	malformed := badRequest("InvalidRequest", "The aws-chunked request body is malformed.")
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return nil, nil, s3IncompleteBody()
		}
		sizeHex, _, _ := strings.Cut(strings.TrimRight(line, "\r\n"), ";")
		n, err := strconv.ParseInt(strings.TrimSpace(sizeHex), 16, 64)
		switch {
		case err != nil || n < 0:
			return nil, nil, malformed
		case n == 0:
			return body, readTrailers(br), nil
		case int64(len(body))+n > maxS3Object:
			return nil, nil, s3TooLarge()
		}
		start := len(body)
		body = append(body, make([]byte, n+2)...)
		if _, err := io.ReadFull(br, body[start:]); err != nil {
			return nil, nil, s3IncompleteBody()
		}
		if string(body[len(body)-2:]) != "\r\n" {
			return nil, nil, malformed
		}
		body = body[:len(body)-2]
	}
}

// readTrailers reads "name:value" lines up to an empty line or the end.
func readTrailers(br *bufio.Reader) map[string]string {
	trailers := map[string]string{}
	for {
		line, err := br.ReadString('\n')
		line = strings.TrimRight(line, "\r\n")
		if k, v, ok := strings.Cut(line, ":"); ok {
			trailers[strings.ToLower(strings.TrimSpace(k))] = strings.TrimSpace(v)
		}
		if line == "" || err != nil {
			return trailers
		}
	}
}

// s3Checksums are the flexible checksum algorithms S3 verifies, by the
// lower-case suffix of their x-amz-checksum-* header.
var s3Checksums = map[string]func() hash.Hash{
	"crc32":     func() hash.Hash { return crc32.NewIEEE() },
	"crc32c":    func() hash.Hash { return crc32.New(crc32.MakeTable(crc32.Castagnoli)) },
	"crc64nvme": func() hash.Hash { return crc64.New(crc64NVMETable) },
	"sha1":      sha1.New,
	"sha256":    sha256.New,
}

// crc64NVMETable is CRC-64/NVME; hash/crc64 takes the bit-reversed polynomial.
var crc64NVMETable = crc64.MakeTable(0x9a6c9329ac4bc9b5)

// verifyChecksums checks Content-MD5 and every x-amz-checksum-* value sent as
// a header or trailer, and returns the verified ones by algorithm.
func verifyChecksums(r *http.Request, trailers map[string]string, body []byte) (map[string]string, error) {
	if want := r.Header.Get("Content-MD5"); want != "" {
		sum := md5.Sum(body)
		if raw, err := base64.StdEncoding.DecodeString(want); err != nil || len(raw) != md5.Size {
			return nil, badRequest("InvalidDigest", "The Content-MD5 you specified was invalid.")
		} else if string(raw) != string(sum[:]) {
			return nil, badRequest("BadDigest", "The Content-MD5 you specified did not match what we received.")
		}
	}
	sent := map[string]string{}
	for k, v := range r.Header {
		if alg, ok := strings.CutPrefix(strings.ToLower(k), "x-amz-checksum-"); ok && alg != "mode" && alg != "type" {
			sent[alg] = v[0]
		}
	}
	for k, v := range trailers {
		if alg, ok := strings.CutPrefix(k, "x-amz-checksum-"); ok {
			sent[alg] = v
		}
	}
	for alg, want := range sent {
		newHash := s3Checksums[alg]
		if newHash == nil {
			return nil, badRequest("InvalidRequest", "Value for x-amz-checksum-%s header is invalid.", alg)
		}
		h := newHash()
		h.Write(body)
		if base64.StdEncoding.EncodeToString(h.Sum(nil)) != want {
			return nil, badRequest("BadDigest", "The %s you specified did not match the calculated checksum.", strings.ToUpper(alg))
		}
	}
	return sent, nil
}
