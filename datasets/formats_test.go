package datasets

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ldamlab/ldamlab/datasets/catalog"
	"github.com/ldamlab/ldamlab/datasets/fetch"
)

// cifarRecords writes n CIFAR records whose label bytes are labels(i) and whose red plane is
// filled with i, green with 2i, blue with 3i.
func cifarRecords(n int, labels func(i int) []byte) []byte {
	var b []byte
	for i := range n {
		b = append(b, labels(i)...)
		for plane := 1; plane <= 3; plane++ {
			b = append(b, bytes.Repeat([]byte{byte(plane * i)}, 1024)...)
		}
	}
	return b
}

type tarMember struct {
	name string
	body []byte
	typ  byte
	link string
}

func writeTarGz(t *testing.T, file string, members []tarMember) {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, m := range members {
		typ := m.typ
		if typ == 0 {
			typ = tar.TypeReg
		}
		h := &tar.Header{Name: m.name, Mode: 0o644, Size: int64(len(m.body)), Typeflag: typ, Linkname: m.link}
		if typ != tar.TypeReg {
			h.Size = 0
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if typ == tar.TypeReg {
			tw.Write(m.body)
		}
	}
	tw.Close()
	gz.Close()
	if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestParseCIFARBinary(t *testing.T) {
	data := cifarRecords(3, func(i int) []byte { return []byte{byte(i + 1)} })
	px, labels, err := ParseCIFARBinary(data, 1, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(labels) != 3 || labels[2] != 3 {
		t.Fatalf("labels %v", labels)
	}
	// HWC: pixel 5 of image 2 is (2, 4, 6).
	if p := px[2*3072+5*3:]; p[0] != 2 || p[1] != 4 || p[2] != 6 {
		t.Errorf("pixel (%d %d %d), want (2 4 6)", p[0], p[1], p[2])
	}
	if _, _, err := ParseCIFARBinary(data[:len(data)-1], 1, 0, 10); err == nil {
		t.Error("truncated data accepted")
	}
	if _, _, err := ParseCIFARBinary(cifarRecords(1, func(int) []byte { return []byte{10} }), 1, 0, 10); err == nil {
		t.Error("label 10 accepted for CIFAR-10")
	}
}

func TestCIFAR100BinaryArchive(t *testing.T) {
	dir := t.TempDir()
	var names []string
	for i := range 100 {
		names = append(names, "class"+string(rune('a'+i%26))+string(rune('a'+i/26)))
	}
	// Records hold (coarse, fine) labels; fine = i % 100, coarse = fine / 5.
	rec := func(i int) []byte { return []byte{byte((i % 100) / 5), byte(i % 100)} }
	file := filepath.Join(dir, catalog.CIFAR100Binary.Name)
	writeTarGz(t, file, []tarMember{
		{name: "cifar-100-binary/", typ: tar.TypeDir},
		{name: "cifar-100-binary/fine_label_names.txt", body: []byte(strings.Join(names, "\n") + "\n")},
		{name: "cifar-100-binary/train.bin", body: cifarRecords(200, rec)},
		{name: "cifar-100-binary/test.bin", body: cifarRecords(100, rec)},
	})
	s, err := LoadCIFARBinaryArchive(file, true)
	if err != nil {
		t.Fatal(err)
	}
	if s.Train.Len() != 200 || s.Test.Len() != 100 || len(s.Train.Classes) != 100 || s.Train.Classes[1] != names[1] {
		t.Fatalf("train %d test %d classes %d", s.Train.Len(), s.Test.Len(), len(s.Train.Classes))
	}
	for c, n := range s.Train.Counts() {
		if n != 2 {
			t.Fatalf("class %d has %d training images, want 2 (fine labels)", c, n)
		}
	}
	// A truncated archive is an error naming the file.
	b, _ := os.ReadFile(file)
	bad := filepath.Join(dir, "truncated.tar.gz")
	os.WriteFile(bad, b[:len(b)/2], 0o644)
	if _, err := LoadCIFARBinaryArchive(bad, true); err == nil || !strings.Contains(err.Error(), "truncated.tar.gz") {
		t.Errorf("truncated archive: %v", err)
	}
}

func TestParseIDX(t *testing.T) {
	idx := func(dims []uint32, body []byte) []byte {
		b := []byte{0, 0, 8, byte(len(dims))}
		for _, d := range dims {
			b = binary.BigEndian.AppendUint32(b, d)
		}
		return append(b, body...)
	}
	dir := t.TempDir()
	img := idx([]uint32{3, 2, 2}, []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11})
	lab := idx([]uint32{3}, []byte{7, 0, 9})
	os.WriteFile(filepath.Join(dir, "i"), img, 0o644)
	os.WriteFile(filepath.Join(dir, "l"), lab, 0o644)
	d, err := LoadIDXPair(filepath.Join(dir, "i"), filepath.Join(dir, "l"), "t", MNISTClasses)
	if err != nil {
		t.Fatal(err)
	}
	if d.Len() != 3 || d.Height != 2 || d.Labels[2] != 9 || d.Pixels[11] != 11 {
		t.Errorf("parsed %+v", d)
	}
	for name, b := range map[string][]byte{
		"bad magic":  {1, 0, 8, 1, 0, 0, 0, 1, 0},
		"float type": {0, 0, 0x0d, 1, 0, 0, 0, 1, 0},
		"truncated":  idx([]uint32{3, 2, 2}, []byte{1, 2}),
		"huge dims":  idx([]uint32{0xffffffff, 0xffffffff}, nil),
	} {
		if _, _, err := ParseIDX(b); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
	os.WriteFile(filepath.Join(dir, "l2"), idx([]uint32{2}, []byte{1, 2}), 0o644)
	if _, err := LoadIDXPair(filepath.Join(dir, "i"), filepath.Join(dir, "l2"), "t", MNISTClasses); err == nil {
		t.Error("2 labels for 3 images accepted")
	}
}

func TestArchivesRefuseUnsafeMembers(t *testing.T) {
	dir := t.TempDir()
	cases := []tarMember{
		{name: "../evil.txt", body: []byte("x")},
		{name: "/etc/evil", body: []byte("x")},
		{name: "ok/../../evil", body: []byte("x")},
		{name: "link", typ: tar.TypeSymlink, link: "/etc/passwd"},
		{name: "hard", typ: tar.TypeLink, link: "../../x"},
	}
	for i, m := range cases {
		file := filepath.Join(dir, "a.tar.gz")
		writeTarGz(t, file, []tarMember{{name: "fine.txt", body: []byte("ok")}, m})
		out := filepath.Join(dir, "out", string(rune('a'+i)))
		err := fetch.ExtractTar(file, out)
		if !errors.Is(err, fetch.ErrUnsafePath) {
			t.Errorf("member %q (type %c): error %v, want ErrUnsafePath", m.name, m.typ, err)
		}
		if _, err := os.Stat(filepath.Join(dir, "evil.txt")); err == nil {
			t.Fatalf("member %q escaped the target", m.name)
		}
	}
	// A good archive extracts.
	file := filepath.Join(dir, "good.tar.gz")
	writeTarGz(t, file, []tarMember{{name: "d/", typ: tar.TypeDir}, {name: "d/f.txt", body: []byte("hello")}})
	if err := fetch.ExtractTar(file, filepath.Join(dir, "good")); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "good", "d", "f.txt")); string(b) != "hello" {
		t.Errorf("extracted %q", b)
	}
}

func jpegBytes(t *testing.T, w, h int, gray bool, v uint8) []byte {
	t.Helper()
	var img image.Image
	if gray {
		g := image.NewGray(image.Rect(0, 0, w, h))
		for i := range g.Pix {
			g.Pix[i] = v
		}
		img = g
	} else {
		c := image.NewRGBA(image.Rect(0, 0, w, h))
		for y := range h {
			for x := range w {
				c.Set(x, y, color.RGBA{v, v / 2, 255 - v, 255})
			}
		}
		img = c
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestImageFolderTar(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "x.tar.gz")
	writeTarGz(t, file, []tarMember{
		{name: "train/b/0001.jpg", body: jpegBytes(t, 8, 8, false, 200)},
		{name: "train/a/0000.jpg", body: jpegBytes(t, 8, 8, true, 100)},
		{name: "train/a/0001.jpg", body: jpegBytes(t, 8, 8, false, 10)},
	})
	d, err := LoadImageFolderTar([]string{file}, "train", []string{"a", "b"}, 8, 8, nil)
	if err != nil {
		t.Fatal(err)
	}
	if d.Len() != 3 || d.Labels[0] != 0 || d.Labels[2] != 1 || d.Channels != 3 {
		t.Fatalf("labels %v channels %d", d.Labels, d.Channels)
	}
	// The grayscale image became RGB with equal channels.
	if p := d.Pixels[:3]; p[0] != p[1] || p[1] != p[2] || p[0] < 95 || p[0] > 105 {
		t.Errorf("gray pixel as RGB %v", p)
	}
	// Unknown class folder, wrong size and corrupt JPEG are errors naming the member.
	for name, m := range map[string]tarMember{
		"unknown class": {name: "train/zebra/0.jpg", body: jpegBytes(t, 8, 8, false, 1)},
		"wrong size":    {name: "train/a/9.jpg", body: jpegBytes(t, 9, 8, false, 1)},
		"corrupt":       {name: "train/a/8.jpg", body: []byte("not a jpeg")},
	} {
		writeTarGz(t, file, []tarMember{m})
		_, err := LoadImageFolderTar([]string{file}, "train", []string{"a", "b"}, 8, 8, nil)
		if err == nil || !strings.Contains(err.Error(), m.name) {
			t.Errorf("%s: error %v does not name %s", name, err, m.name)
		}
	}
}

func TestINatSyntheticTree(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "train_val2018", "Plantae", "0"), 0o755)
	for i, name := range []string{"a.jpg", "b.jpg", "c.jpg"} {
		os.WriteFile(filepath.Join(dir, "train_val2018", "Plantae", "0", name), jpegBytes(t, 300+i*100, 260, false, uint8(50*i)), 0o644)
	}
	js := `{"images":[{"id":1,"file_name":"train_val2018/Plantae/0/a.jpg"},{"id":2,"file_name":"train_val2018/Plantae/0/b.jpg"},{"id":3,"file_name":"train_val2018/Plantae/0/c.jpg"}],
	"annotations":[{"image_id":1,"category_id":1},{"image_id":2,"category_id":0},{"image_id":3,"category_id":1}],
	"categories":[{"id":0,"name":"Abies"},{"id":1,"name":"Bellis"}]}`
	os.WriteFile(filepath.Join(dir, "train2018.json"), []byte(js), 0o644)
	d, err := LoadINat(dir, "train")
	if err != nil {
		t.Fatal(err)
	}
	if d.Len() != 3 || d.NumClasses() != 2 || d.Label(0) != 1 || d.Counts()[1] != 2 {
		t.Fatalf("iNat %+v", d)
	}
	buf := make([]uint8, 224*224*3)
	if err := d.Image(2, buf); err != nil {
		t.Fatal(err)
	}
	if buf[0] < 90 || buf[0] > 110 {
		t.Errorf("decoded red %d, want about 100", buf[0])
	}
	if _, err := LoadINat(dir, "val"); err == nil || !strings.Contains(err.Error(), "visipedia") {
		t.Errorf("missing val2018.json: %v", err)
	}
	bad := `{"images":[{"id":1,"file_name":"../../etc/passwd"}],"annotations":[{"image_id":1,"category_id":0}],"categories":[{"id":0,"name":"x"}]}`
	if _, _, _, err := ParseINatJSON(strings.NewReader(bad)); !errors.Is(err, fetch.ErrUnsafePath) {
		t.Errorf("path traversal in iNat JSON: %v", err)
	}
}

func TestIMDBTokenizer(t *testing.T) {
	got := Tokenize("Great movie!<br /><br />I'd SEE it again, 10/10.")
	want := []string{"great", "movie", "!", "i'd", "see", "it", "again", ",", "10", "/", "10", "."}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("tokens %q", got)
	}
	v, err := BuildVocab([]string{"a a a b b c", "d"}, 4)
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Words) != 4 || v.Words[2] != "a" || v.Words[3] != "b" {
		t.Errorf("vocab %v", v.Words)
	}
	ids := v.Encode("b a zzz c", 3)
	if len(ids) != 3 || ids[0] != 3 || ids[1] != 2 || ids[2] != UnknownID {
		t.Errorf("encoded %v", ids)
	}
	r := Reviews{Texts: make([]string, 100), Labels: make([]int, 100)}
	for i := range r.Labels {
		r.Labels[i] = i % 2
		r.Texts[i] = "x"
	}
	imb, _ := r.DropFraction(0, 0.9, 1)
	if c := CountLabels(imb.Labels, 2); c[0] != 5 || c[1] != 50 {
		t.Errorf("after dropping 90%% of negatives: %v", c)
	}
}

func TestTinyImageNetOfficialZip(t *testing.T) {
	// The official layout: tiny-imagenet-200/{wnids.txt, train/<wnid>/images/*.JPEG,
	// val/images/*.JPEG, val/val_annotations.txt}, with one image per class and split.
	tinyTrainPerClass, tinyValPerClass = 1, 1
	defer func() { tinyTrainPerClass, tinyValPerClass = 500, 50 }()
	file := filepath.Join(t.TempDir(), "tiny-imagenet-200.zip")
	f, _ := os.Create(file)
	zw := zip.NewWriter(f)
	add := func(name string, b []byte) {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(b)
	}
	var wnids, ann []string
	img := jpegBytes(t, 64, 64, true, 77)
	for c := range 200 {
		w := fmt.Sprintf("n%08d", 9000-c)
		wnids = append(wnids, w)
		add(fmt.Sprintf("tiny-imagenet-200/train/%s/images/%s_0.JPEG", w, w), img)
		add(fmt.Sprintf("tiny-imagenet-200/val/images/val_%d.JPEG", c), img)
		ann = append(ann, fmt.Sprintf("val_%d.JPEG\t%s\t0\t0\t63\t63", c, w))
	}
	add("tiny-imagenet-200/wnids.txt", []byte(strings.Join(wnids, "\n")+"\n"))
	add("tiny-imagenet-200/val/val_annotations.txt", []byte(strings.Join(ann, "\n")+"\n"))
	add("tiny-imagenet-200/test/images/test_0.JPEG", img)
	zw.Close()
	f.Close()
	s, err := LoadTinyImageNetZip(file)
	if err != nil {
		t.Fatal(err)
	}
	if s.Train.Len() != 200 || s.Test.Len() != 200 || s.Train.Classes[0] != wnids[0] {
		t.Fatalf("train %d val %d first class %s", s.Train.Len(), s.Test.Len(), s.Train.Classes[0])
	}
	// Class order is wnids.txt's (here descending), and the val labels come from the annotations.
	if s.Test.Labels[5] != 5 || s.Train.Labels[199] != 199 {
		t.Errorf("labels %d %d", s.Test.Labels[5], s.Train.Labels[199])
	}
}
