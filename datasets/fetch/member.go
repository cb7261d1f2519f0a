package fetch

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Member is one file shipped inside a package tarball (an npm package, for example): the
// tarball is a verified [File], and the member has its own SHA-256.
type Member struct {
	// Package is the tarball that carries the member.
	Package File
	// Path is the member's path inside the tarball ("package/plotly.min.js").
	Path string
	// SHA256 is the member's own checksum (hex).
	SHA256 string
	// MaxSize bounds the member's size (0: 256 MB).
	MaxSize int64
}

// Install places the member at dst. When dst exists it is verified and left alone (installed
// is false). Otherwise the tarball is downloaded next to dst (resumable, verified, see
// [Client.Ensure]), the member is extracted through a temporary file, verified and renamed into
// place, and the tarball is deleted: an interrupted install leaves no half-written dst.
func (m Member) Install(c Client, dst string) (installed bool, err error) {
	want := File{Name: filepath.Base(dst), SHA256: m.SHA256}
	if _, err := os.Stat(dst); err == nil {
		if err := want.Verify(dst); err != nil {
			return false, fmt.Errorf("%w; delete it and run the install again", err)
		}
		return false, nil
	}
	tgz, err := c.Ensure(filepath.Dir(dst), m.Package)
	if err != nil {
		return false, err
	}
	limit := m.MaxSize
	if limit == 0 {
		limit = 256 << 20
	}
	found := false
	err = WalkTarFile(tgz, limit, func(e Entry) error {
		if e.Name != m.Path {
			return nil
		}
		found = true
		return WriteAtomic(dst, func(w io.Writer) error {
			h := sha256.New()
			if _, err := io.Copy(io.MultiWriter(w, h), e.R); err != nil {
				return err
			}
			if got := hex.EncodeToString(h.Sum(nil)); !strings.EqualFold(got, m.SHA256) {
				return fmt.Errorf("%s in %s has SHA-256 %s, want %s", m.Path, tgz, got, m.SHA256)
			}
			return nil
		})
	})
	if err != nil {
		return false, fmt.Errorf("extracting %s from %s: %w", m.Path, m.Package.Name, err)
	}
	if !found {
		return false, fmt.Errorf("%s has no member %s", tgz, m.Path)
	}
	if err := os.Remove(tgz); err != nil && !errors.Is(err, os.ErrNotExist) {
		return false, err
	}
	return true, nil
}
