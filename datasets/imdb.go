package datasets

import (
	"fmt"
	"io"
	"math/rand/v2"
	"sort"
	"strings"
	"unicode"

	"github.com/ldamlab/ldamlab/datasets/fetch"
)

// IMDBClasses are the IMDB labels: 0 negative, 1 positive.
var IMDBClasses = []string{"negative", "positive"}

// Reviews is a labelled text set before tokenization.
type Reviews struct {
	Texts  []string
	Labels []int
}

// Text is a tokenized, fixed-length text classification set.
type Text struct {
	Name    string
	Classes []string
	// Tokens is Len()·MaxLen token ids, 0-padded at the end; Lengths are the real lengths.
	Tokens  []int32
	Lengths []int32
	Labels  []int
	MaxLen  int
	Vocab   *Vocab
}

// Len is the number of examples.
func (t *Text) Len() int { return len(t.Labels) }

// Counts returns the examples per class.
func (t *Text) Counts() []int { return CountLabels(t.Labels, len(t.Classes)) }

// Subset returns the examples at idx.
func (t *Text) Subset(idx []int) *Text {
	out := &Text{Name: t.Name, Classes: t.Classes, MaxLen: t.MaxLen, Vocab: t.Vocab,
		Tokens: make([]int32, len(idx)*t.MaxLen), Lengths: make([]int32, len(idx)), Labels: make([]int, len(idx))}
	for k, i := range idx {
		copy(out.Tokens[k*t.MaxLen:(k+1)*t.MaxLen], t.Tokens[i*t.MaxLen:(i+1)*t.MaxLen])
		out.Lengths[k], out.Labels[k] = t.Lengths[i], t.Labels[i]
	}
	return out
}

// LoadIMDB reads aclImdb/{train,test}/{pos,neg}/*.txt from the official or the offline tarball.
// Reviews are sorted by file name within each split.
func LoadIMDB(file string) (train, test Reviews, err error) {
	type doc struct {
		name  string
		label int
		text  string
	}
	var docs [2][]doc
	err = fetch.WalkTarFile(file, 1<<20, func(e fetch.Entry) error {
		parts := strings.Split(e.Name, "/")
		if len(parts) != 4 || parts[0] != "aclImdb" || !strings.HasSuffix(parts[3], ".txt") {
			return nil
		}
		split := map[string]int{"train": 0, "test": 1}
		s, ok := split[parts[1]]
		if !ok {
			return nil
		}
		label := map[string]int{"neg": 0, "pos": 1}
		y, ok := label[parts[2]]
		if !ok {
			return nil // unsup
		}
		b, err := io.ReadAll(e.R)
		if err != nil {
			return err
		}
		docs[s] = append(docs[s], doc{e.Name, y, string(b)})
		return nil
	})
	if err != nil {
		return
	}
	out := [2]*Reviews{&train, &test}
	for s := range docs {
		if len(docs[s]) == 0 {
			return train, test, fmt.Errorf("%s holds no aclImdb/%s/{pos,neg} reviews", file, []string{"train", "test"}[s])
		}
		sort.Slice(docs[s], func(a, b int) bool { return docs[s][a].name < docs[s][b].name })
		for _, d := range docs[s] {
			out[s].Texts = append(out[s].Texts, d.text)
			out[s].Labels = append(out[s].Labels, d.label)
		}
	}
	return
}

// Tokenize lowercases, replaces the "<br />" tags with spaces, and splits into words (letters,
// digits, apostrophes) and single punctuation tokens.
func Tokenize(s string) []string {
	s = strings.ToLower(strings.ReplaceAll(s, "<br />", " "))
	var out []string
	var word []rune
	flush := func() {
		if len(word) > 0 {
			out = append(out, string(word))
			word = word[:0]
		}
	}
	for _, r := range s {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '\'':
			word = append(word, r)
		case unicode.IsSpace(r):
			flush()
		default:
			flush()
			out = append(out, string(r))
		}
	}
	flush()
	return out
}

// Vocab maps tokens to ids: 0 is padding, 1 the unknown token, then the most frequent words.
type Vocab struct {
	Words []string // Words[id]
	index map[string]int32
}

// Special token ids.
const (
	PadID     = 0
	UnknownID = 1
)

// BuildVocab counts the tokens of texts and keeps the size−2 most frequent (ties by word).
func BuildVocab(texts []string, size int) (*Vocab, error) {
	if size < 3 {
		return nil, fmt.Errorf("datasets: vocabulary size %d is too small; it needs padding, unknown and at least one word", size)
	}
	freq := map[string]int{}
	for _, t := range texts {
		for _, w := range Tokenize(t) {
			freq[w]++
		}
	}
	words := make([]string, 0, len(freq))
	for w := range freq {
		words = append(words, w)
	}
	sort.Slice(words, func(a, b int) bool {
		if freq[words[a]] != freq[words[b]] {
			return freq[words[a]] > freq[words[b]]
		}
		return words[a] < words[b]
	})
	if len(words) > size-2 {
		words = words[:size-2]
	}
	v := &Vocab{Words: append([]string{"<pad>", "<unk>"}, words...), index: map[string]int32{}}
	for i, w := range v.Words {
		v.index[w] = int32(i)
	}
	return v, nil
}

// Encode maps a text to at most maxLen ids (the first maxLen tokens).
func (v *Vocab) Encode(text string, maxLen int) []int32 {
	toks := Tokenize(text)
	if len(toks) > maxLen {
		toks = toks[:maxLen]
	}
	ids := make([]int32, len(toks))
	for i, w := range toks {
		id, ok := v.index[w]
		if !ok {
			id = UnknownID
		}
		ids[i] = id
	}
	return ids
}

// Encode tokenizes reviews into a fixed-length Text set.
func (r Reviews) Encode(name string, v *Vocab, maxLen int) (*Text, error) {
	if maxLen < 1 {
		return nil, fmt.Errorf("datasets: maximum length %d must be ≥ 1", maxLen)
	}
	t := &Text{Name: name, Classes: IMDBClasses, MaxLen: maxLen, Vocab: v,
		Tokens: make([]int32, len(r.Texts)*maxLen), Lengths: make([]int32, len(r.Texts)), Labels: append([]int(nil), r.Labels...)}
	for i, s := range r.Texts {
		ids := v.Encode(s, maxLen)
		if len(ids) == 0 {
			ids = []int32{UnknownID}
		}
		copy(t.Tokens[i*maxLen:], ids)
		t.Lengths[i] = int32(len(ids))
	}
	return t, nil
}

// DropFraction removes the given fraction of the examples of one class, chosen with seed: the
// paper's imbalanced IMDB removes 90 % of the negative training reviews (DropFraction(0, 0.9)).
func (r Reviews) DropFraction(class int, fraction float64, seed uint64) (Reviews, error) {
	if !(fraction >= 0 && fraction < 1) {
		return Reviews{}, fmt.Errorf("datasets: drop fraction %g is outside [0, 1)", fraction)
	}
	var idx []int
	for i, y := range r.Labels {
		if y == class {
			idx = append(idx, i)
		}
	}
	rand.New(rand.NewPCG(seed, 0x1dbb)).Shuffle(len(idx), func(a, b int) { idx[a], idx[b] = idx[b], idx[a] })
	drop := map[int]bool{}
	for _, i := range idx[:int(fraction*float64(len(idx)))] {
		drop[i] = true
	}
	var out Reviews
	for i := range r.Labels {
		if !drop[i] {
			out.Texts = append(out.Texts, r.Texts[i])
			out.Labels = append(out.Labels, r.Labels[i])
		}
	}
	return out, nil
}
