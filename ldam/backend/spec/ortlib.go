package spec

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"

	"github.com/ldamlab/ldamlab/datasets/fetch"
)

// ORTRelease is a pinned ONNX Runtime shared library and the package it is taken from.
type ORTRelease struct {
	Version string
	// Package is the npm package tarball that carries the library (verified by its SHA-256).
	Package fetch.File
	// Member is the library's path inside the tarball; Library its name once installed, and
	// LibrarySHA256 its own checksum.
	Member, Library, LibrarySHA256 string
}

// ORT is the ONNX Runtime this project installs: libonnxruntime.so.1 for linux/amd64 from the
// npm package onnxruntime-node 1.30.0 (the npm registry is reachable where GitHub's releases,
// which compute-onnx's own installer downloads, are not).
var ORT = ORTRelease{
	Version: "1.30.0",
	Package: fetch.File{
		Name:   "onnxruntime-node-1.30.0.tgz",
		URL:    "https://registry.npmjs.org/onnxruntime-node/-/onnxruntime-node-1.30.0.tgz",
		SHA256: "6e3390d6b783e7be946fad629292799da28d0b42f84856e50d2c1b0383291e75",
		Size:   113507888,
	},
	Member:        "package/bin/napi-v6/linux/x64/libonnxruntime.so.1",
	Library:       "libonnxruntime.so.1",
	LibrarySHA256: "ffb75a925ba05e47b235bb66e3e3911714a80b328a9c9425539feb204aa32a23",
}

// EnvORTDir overrides where the library is installed and looked for.
const EnvORTDir = "LDAMLAB_ORT_DIR"

// Dir is the directory of the installed library: $LDAMLAB_ORT_DIR, else
// <user cache>/ldamlab/onnxruntime-<version> (~/.cache/ldamlab/onnxruntime-1.30.0).
func (r ORTRelease) Dir() (string, error) {
	if d := os.Getenv(EnvORTDir); d != "" {
		return d, nil
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no cache directory for the ONNX Runtime library (%v); set $%s", err, EnvORTDir)
	}
	return filepath.Join(cache, "ldamlab", "onnxruntime-"+r.Version), nil
}

// Installed returns the path of the installed library, or "" when it is not there (its size
// is checked, not its checksum: Install verified it when it put it there).
func (r ORTRelease) Installed() string {
	dir, err := r.Dir()
	if err != nil {
		return ""
	}
	p := filepath.Join(dir, r.Library)
	if st, err := os.Stat(p); err != nil || !st.Mode().IsRegular() || st.Size() == 0 {
		return ""
	}
	return p
}

// Supported reports whether the pinned package carries a library for this platform.
func (r ORTRelease) Supported() bool { return runtime.GOOS == "linux" && runtime.GOARCH == "amd64" }

// Install puts the library in Dir, downloading the npm package (resumable, verified) when it
// is not installed yet, extracting the library, verifying it and renaming it into place; the
// package tarball is deleted afterwards. A second call finds it verified and does nothing. It
// returns the library's path.
func (r ORTRelease) Install(out io.Writer) (string, error) {
	if !r.Supported() {
		return "", fmt.Errorf("the pinned ONNX Runtime package has no library for %s/%s; with internet, compute-onnx installs one itself (go run github.com/gomlx/compute-onnx/cmd/onnxruntime_installer), or set ONNXRUNTIME_SHARED_LIBRARY_PATH; the pure-Go backend (--backend go) needs nothing", runtime.GOOS, runtime.GOARCH)
	}
	dir, err := r.Dir()
	if err != nil {
		return "", err
	}
	lib := filepath.Join(dir, r.Library)
	if _, err := os.Stat(lib); err != nil {
		fmt.Fprintf(out, "ONNX Runtime %s: downloading %s (%d MB) from the npm registry into %s\n", r.Version, r.Package.Name, r.Package.Size>>20, dir)
	}
	fresh, err := fetch.Member{Package: r.Package, Path: r.Member, SHA256: r.LibrarySHA256}.Install(fetch.Client{}, lib)
	if err != nil {
		return "", err
	}
	if !fresh {
		fmt.Fprintf(out, "ONNX Runtime %s: %s (verified)\n", r.Version, lib)
		return lib, nil
	}
	fmt.Fprintf(out, "ONNX Runtime %s: installed %s\n", r.Version, lib)
	return lib, nil
}
