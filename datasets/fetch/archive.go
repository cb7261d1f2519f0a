// Package fetch downloads dataset files with resume and checksum verification, writes them
// into place atomically, and reads untrusted tar archives safely.
package fetch

import (
	"archive/tar"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// MaxEntrySize bounds one archive member (1 GiB): larger members are refused.
const MaxEntrySize = 1 << 30

// ErrUnsafePath marks an archive member whose name escapes the target: absolute, with "..", or
// a link pointing outside.
var ErrUnsafePath = errors.New("unsafe path in archive")

// CleanName validates an archive member name and returns it cleaned (slash-separated, relative).
func CleanName(name string) (string, error) {
	if name == "" || strings.HasPrefix(name, "/") || strings.HasPrefix(name, `\`) || filepath.IsAbs(name) || strings.Contains(name, `\`) {
		return "", fmt.Errorf("%w: %q", ErrUnsafePath, name)
	}
	for _, part := range strings.Split(name, "/") {
		if part == ".." {
			return "", fmt.Errorf("%w: %q", ErrUnsafePath, name)
		}
	}
	c := path.Clean(name)
	if c == "." || c == ".." || strings.HasPrefix(c, "../") {
		return "", fmt.Errorf("%w: %q", ErrUnsafePath, name)
	}
	return c, nil
}

// Entry is a regular file of an archive, streamed once.
type Entry struct {
	Name string // cleaned, slash-separated
	Size int64
	R    io.Reader
}

// WalkTar calls fn for every regular file of the (optionally gzip-compressed) tar stream r.
// Directories are skipped; links, devices and unsafe names are refused with an error naming the
// member; members over maxSize (MaxEntrySize if ≤ 0) are refused; a truncated or corrupt stream
// is an error. fn must consume e.R before returning if it needs the bytes.
func WalkTar(r io.Reader, gzipped bool, maxSize int64, fn func(e Entry) error) error {
	if maxSize <= 0 {
		maxSize = MaxEntrySize
	}
	if gzipped {
		gz, err := gzip.NewReader(r)
		if err != nil {
			return fmt.Errorf("not a gzip stream: %w", err)
		}
		defer gz.Close()
		r = gz
	}
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("corrupt or truncated tar archive: %w", err)
		}
		name, err := CleanName(h.Name)
		if err != nil {
			return err
		}
		switch h.Typeflag {
		case tar.TypeDir:
			continue
		case tar.TypeReg, tar.TypeRegA:
		case tar.TypeXGlobalHeader:
			continue
		default:
			return fmt.Errorf("%w: member %q is a link or special file (type %q); dataset archives hold only files", ErrUnsafePath, h.Name, h.Typeflag)
		}
		if h.Size < 0 || h.Size > maxSize {
			return fmt.Errorf("archive member %q has size %d, over the %d-byte limit", name, h.Size, maxSize)
		}
		if err := fn(Entry{Name: name, Size: h.Size, R: io.LimitReader(tr, h.Size)}); err != nil {
			return err
		}
	}
}

// WalkTarFile is [WalkTar] on a file; ".gz"/".tgz" names are decompressed. Errors name the file.
func WalkTarFile(file string, maxSize int64, fn func(e Entry) error) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	gz := strings.HasSuffix(file, ".gz") || strings.HasSuffix(file, ".tgz")
	if err := WalkTar(f, gz, maxSize, fn); err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	return nil
}

// ExtractTar extracts the regular files of a tar(.gz) file under dir, refusing unsafe members
// (see [WalkTar]). Each file is written to a temporary name and renamed into place.
func ExtractTar(file, dir string) error {
	return WalkTarFile(file, 0, func(e Entry) error {
		dst := filepath.Join(dir, filepath.FromSlash(e.Name))
		rel, err := filepath.Rel(dir, dst)
		if err != nil || strings.HasPrefix(rel, "..") {
			return fmt.Errorf("%w: %q", ErrUnsafePath, e.Name)
		}
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		return WriteAtomic(dst, func(w io.Writer) error {
			n, err := io.Copy(w, e.R)
			if err == nil && n != e.Size {
				err = fmt.Errorf("member %q truncated: %d of %d bytes", e.Name, n, e.Size)
			}
			return err
		})
	})
}

// WriteAtomic writes a file through a temporary file in the same directory, synced and renamed
// into place only when write returns nil; on failure the target is untouched.
func WriteAtomic(file string, write func(w io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(file), "."+filepath.Base(file)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), file)
}
