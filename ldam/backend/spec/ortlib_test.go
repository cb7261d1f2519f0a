package spec

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/ldamlab/ldamlab/datasets/fetch"
)

// fakePackage is an npm-like tarball holding a fake library at member.
func fakePackage(t *testing.T, member string, lib []byte) []byte {
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for name, body := range map[string][]byte{"package/package.json": []byte("{}"), member: lib} {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write(body)
	}
	tw.Close()
	gz.Close()
	return buf.Bytes()
}

func hexSHA(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

func TestInstallORT(t *testing.T) {
	lib := []byte("\x7fELF fake onnxruntime")
	member := "package/bin/napi-v6/linux/x64/libonnxruntime.so.1"
	tgz := fakePackage(t, member, lib)
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Write(tgz)
	}))
	defer srv.Close()
	dir := t.TempDir()
	t.Setenv(EnvORTDir, dir)
	r := ORTRelease{Version: "test", Package: fetch.File{Name: "pkg.tgz", URL: srv.URL + "/pkg.tgz", SHA256: hexSHA(tgz)},
		Member: member, Library: "libonnxruntime.so.1", LibrarySHA256: hexSHA(lib)}
	if !r.Supported() {
		t.Skip("the pinned package carries linux/amd64 only")
	}
	if r.Installed() != "" {
		t.Fatal("installed before Install")
	}
	var log strings.Builder
	p, err := r.Install(&log)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(p)
	if err != nil || !bytes.Equal(got, lib) || p != filepath.Join(dir, "libonnxruntime.so.1") || r.Installed() != p {
		t.Fatalf("installed %q (%v): %q", p, err, got)
	}
	if _, err := os.Stat(filepath.Join(dir, "pkg.tgz")); !os.IsNotExist(err) {
		t.Errorf("the package tarball is left behind: %v", err)
	}
	// A second run verifies and downloads nothing.
	if _, err := r.Install(io.Discard); err != nil || hits.Load() != 1 {
		t.Errorf("second install: %v, %d downloads", err, hits.Load())
	}
	// A corrupted library is reported, not used silently.
	os.WriteFile(p, []byte("broken"), 0o644)
	if _, err := r.Install(io.Discard); err == nil || !strings.Contains(err.Error(), "delete it") {
		t.Errorf("corrupt library: %v", err)
	}
	// A package whose library does not match its checksum installs nothing.
	os.Remove(p)
	bad := r
	bad.LibrarySHA256 = hexSHA([]byte("other"))
	if _, err := bad.Install(io.Discard); err == nil || !strings.Contains(err.Error(), "SHA-256") {
		t.Errorf("wrong library checksum: %v", err)
	}
	if _, err := os.Stat(p); !os.IsNotExist(err) {
		t.Error("a library with the wrong checksum was put in place")
	}
}

func TestResolveONNX(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(EnvORTDir, dir)
	t.Setenv("GOMLX_BACKEND", "")
	t.Setenv(ONNXLibraryEnv, "")
	lib := filepath.Join(dir, ORT.Library)
	cases := []struct{ flag, want string }{
		{"/opt/ort/libonnxruntime.so.1.30.0", "onnx:cpu,/opt/ort/libonnxruntime.so.1.30.0"},
		{"/opt/ort/libonnxruntime.so", "onnx:cpu,/opt/ort/libonnxruntime.so"},
		{"onnx:cpu,/x/libonnxruntime.so", "onnx:cpu,/x/libonnxruntime.so"},
		{"onnx", "onnx"}, // not installed: compute-onnx looks for one itself
		{"/x/xla_cuda_plugin.so", "xla:/x/xla_cuda_plugin.so"},
	}
	for _, tc := range cases {
		if got := Resolve(tc.flag); got != tc.want {
			t.Errorf("Resolve(%q) = %q, want %q", tc.flag, got, tc.want)
		}
	}
	if got := Resolve(""); got != "go" {
		t.Errorf("default without the library: %q, want go", got)
	}
	os.WriteFile(lib, []byte("lib"), 0o644)
	if got := Resolve("onnx"); got != "onnx:cpu,"+lib {
		t.Errorf("Resolve(onnx) with the library installed = %q", got)
	}
	if got := Resolve("onnx:cpu"); got != "onnx:cpu,"+lib {
		t.Errorf("Resolve(onnx:cpu) with the library installed = %q", got)
	}
	if got := Resolve(""); got != "go" {
		t.Errorf("default with the library installed: %q, want go (ONNX Runtime only on request)", got)
	}
	t.Setenv("GOMLX_BACKEND", "go")
	if got := Resolve(""); got != "go" {
		t.Errorf("GOMLX_BACKEND=go ignored: %q", got)
	}
}
