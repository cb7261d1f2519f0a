package models

import (
	"math"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/layers"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/model/initializer"
)

// BiLSTMConfig is the IMDB model of section 4.1: a 2-layer bidirectional LSTM (the paper gives no
// sizes; these are ours).
type BiLSTMConfig struct {
	Vocab, Embedding, Hidden, Layers int
}

// DefaultBiLSTM is our choice for IMDB: 128-d embeddings, 2 layers of 128 units per direction.
func DefaultBiLSTM(vocab int) BiLSTMConfig {
	return BiLSTMConfig{Vocab: vocab, Embedding: 128, Hidden: 128, Layers: 2}
}

// BiLSTMFeatures embeds tokens [B, T] (int32, 0 = padding at the end) with lengths [B] and
// returns the mean over the valid positions of the top layer's outputs of both directions:
// [B, 2·Hidden]. The backward direction reads each sequence reversed within its length, so
// that both directions start at a real token and padding only ever follows the real tokens
// (where the pooling masks it out), as PyTorch's packed sequences do.
func BiLSTMFeatures(scope *model.Scope, cfg BiLSTMConfig, tokens, lengths *Node) *Node {
	x := layers.Embedding(scope.In("embedding"), tokens, dtypes.Float32, cfg.Vocab, cfg.Embedding)
	B, T := tokens.Shape().Dimensions[0], tokens.Shape().Dimensions[1]
	lengths = ConvertDType(lengths, dtypes.Int32)
	rev := reverseIndices(lengths, B, T)
	for l := range cfg.Layers {
		ls := scope.In("lstm%d", l)
		fwd := LSTM(ls.In("forward"), TransposeAllDims(x, 1, 0, 2), cfg.Hidden)                      // [T, B, H]
		bwd := LSTM(ls.In("backward"), TransposeAllDims(reverseWithin(x, rev), 1, 0, 2), cfg.Hidden) // [T, B, H]
		x = Concatenate([]*Node{TransposeAllDims(fwd, 1, 0, 2), reverseWithin(TransposeAllDims(bwd, 1, 0, 2), rev)}, -1)
	}
	positions := Iota(tokens.Graph(), shapes.Make(dtypes.Int32, B, T), 1)
	mask := ConvertDType(LessThan(positions, ExpandAxes(lengths, -1)), x.DType()) // [B, T]
	sum := ReduceSum(Mul(x, ExpandAxes(mask, -1)), 1)
	return Div(sum, ExpandAxes(MaxScalar(ReduceSum(mask, 1), 1.0), -1))
}

// reverseIndices returns, for x [B, T, …] flattened to [B·T, …], the row that position t of
// example b reads when the example is reversed within its length: b·T + (len_b−1−t) for
// t < len_b, and b·T + t (in place) for the padding. The map is its own inverse.
func reverseIndices(lengths *Node, B, T int) *Node {
	g := lengths.Graph()
	t := Iota(g, shapes.Make(dtypes.Int32, B, T), 1)
	b := Iota(g, shapes.Make(dtypes.Int32, B, T), 0)
	n := ExpandAxes(lengths, -1)
	within := Where(LessThan(t, n), Sub(AddScalar(n, -1), t), t)
	return Reshape(Add(MulScalar(b, float64(T)), within), B*T, 1)
}

// reverseWithin reverses each sequence of x [B, T, D] within its length (see reverseIndices).
// Its gradient is the same gather's scatter, one operation for the whole tensor.
func reverseWithin(x, rev *Node) *Node {
	d := x.Shape().Dimensions
	return Reshape(Gather(Reshape(x, d[0]*d[1], d[2]), rev), d...)
}

// LSTM runs one LSTM layer over x [T, B, D] (time-major) from zero states and returns every
// hidden state [T, B, H]. The cell is PyTorch's nn.LSTM: gates i, f, g, o from
// z = x_t·W_x + h_{t−1}·W_h + b, c_t = σ(f)⊙c_{t−1} + σ(i)⊙tanh(g), h_t = σ(o)⊙tanh(c_t), with
// weights uniform(±1/√H) (one bias instead of PyTorch's two, which add up to one).
//
// The backward pass is written by hand (back-propagation through time): GoMLX's own
// lstm.LSTM takes one Slice of the whole input projection per step and gate, and the gradient
// of each is a zero-padded copy of that projection — O(T²) memory traffic that allocated
// tens of GB for IMDB's 256 steps. Here the recurrence is computed once on stopped inputs,
// its activations are kept, and the gradients are one pass backwards over time plus three
// matrix products for the weights.
func LSTM(scope *model.Scope, x *Node, hidden int) *Node {
	g := x.Graph()
	D := x.Shape().Dimensions[2]
	bound := 1 / math.Sqrt(float64(hidden))
	s := scope.WithInitializer(initializer.RandomUniformFn(scope, -bound, bound))
	wx := s.VariableWithShape("inputsW", shapes.Make(x.DType(), D, 4*hidden)).NodeValue(g)
	wh := s.VariableWithShape("recurrentW", shapes.Make(x.DType(), hidden, 4*hidden)).NodeValue(g)
	b := s.VariableWithShape("biases", shapes.Make(x.DType(), 4*hidden)).NodeValue(g)
	gates, cells := lstmRecurrence(StopGradient(x), StopGradient(wx), StopGradient(wh), StopGradient(b), hidden)
	return customGradient([]*Node{x, wx, wh, b, gates, cells},
		func(in []*Node) *Node { return lstmHidden(in[4], in[5], hidden) },
		func(dy *Node, in []*Node) []*Node {
			dx, dwx, dwh, db := lstmBackward(dy, in[0], in[1], in[2], in[4], in[5], hidden)
			return []*Node{dx, dwx, dwh, db, nil, nil}
		})
}

// lstmRecurrence runs the cell over time and returns the activated gates [T, B, 4H]
// (σ(i), σ(f), tanh(g), σ(o)) and the cell states [T, B, H].
func lstmRecurrence(x, wx, wh, b *Node, H int) (gates, cells *Node) {
	T, B := x.Shape().Dimensions[0], x.Shape().Dimensions[1]
	proj := Add(Dot(x, wx).General([]int{2}, nil, []int{0}, nil), Reshape(b, 1, 1, 4*H)) // [T, B, 4H]: all input projections in one product
	h := Zeros(x.Graph(), shapes.Make(x.DType(), B, H))
	c := h
	as, cs := make([]*Node, T), make([]*Node, T)
	for t := range T {
		z := Add(Reshape(Slice(proj, AxisElem(t)), B, 4*H), MatMul(h, wh))
		sig := Sigmoid(z)
		i, f, o := Slice(sig, AxisRange(), AxisRange(0, H)), Slice(sig, AxisRange(), AxisRange(H, 2*H)), Slice(sig, AxisRange(), AxisRange(3*H, 4*H))
		gg := Tanh(Slice(z, AxisRange(), AxisRange(2*H, 3*H)))
		c = Add(Mul(f, c), Mul(i, gg))
		h = Mul(o, Tanh(c))
		as[t] = Concatenate([]*Node{i, f, gg, o}, -1)
		cs[t] = c
	}
	return Stack(as, 0), Stack(cs, 0)
}

// lstmHidden is h_t = σ(o)⊙tanh(c_t) for all t: [T, B, H].
func lstmHidden(gates, cells *Node, H int) *Node {
	return Mul(Slice(gates, AxisRange(), AxisRange(), AxisRange(3*H, 4*H)), Tanh(cells))
}

// lstmBackward is back-propagation through time: dy [T, B, H] is the gradient of every hidden
// state; it returns the gradients of x, W_x, W_h and b.
func lstmBackward(dy, x, wx, wh, gates, cells *Node, H int) (dx, dwx, dwh, db *Node) {
	T, B := x.Shape().Dimensions[0], x.Shape().Dimensions[1]
	g := x.Graph()
	zero := Zeros(g, shapes.Make(x.DType(), B, H))
	dhNext, dcNext := zero, zero
	dzs := make([]*Node, T)
	at := func(v *Node, t int) *Node { return Reshape(Slice(v, AxisElem(t)), B, v.Shape().Dimensions[2]) }
	for t := T - 1; t >= 0; t-- {
		a := at(gates, t)
		i, f, gg, o := Slice(a, AxisRange(), AxisRange(0, H)), Slice(a, AxisRange(), AxisRange(H, 2*H)),
			Slice(a, AxisRange(), AxisRange(2*H, 3*H)), Slice(a, AxisRange(), AxisRange(3*H, 4*H))
		c := at(cells, t)
		cPrev := zero
		if t > 0 {
			cPrev = at(cells, t-1)
		}
		tc := Tanh(c)
		dh := Add(at(dy, t), dhNext)
		dc := Add(Mul(Mul(dh, o), OneMinus(Square(tc))), dcNext)
		dz := Concatenate([]*Node{
			Mul(Mul(dc, gg), Mul(i, OneMinus(i))),    // d z_i
			Mul(Mul(dc, cPrev), Mul(f, OneMinus(f))), // d z_f
			Mul(Mul(dc, i), OneMinus(Square(gg))),    // d z_g
			Mul(Mul(dh, tc), Mul(o, OneMinus(o))),    // d z_o
		}, -1) // [B, 4H]
		dzs[t] = dz
		dhNext = Dot(dz, wh).General([]int{1}, nil, []int{1}, nil) // dz·W_hᵀ: [B, H]
		dcNext = Mul(dc, f)
	}
	dz := Stack(dzs, 0) // [T, B, 4H]
	dx = Dot(dz, wx).General([]int{2}, nil, []int{1}, nil)
	flat := Reshape(dz, T*B, 4*H)
	dwx = Dot(Reshape(x, T*B, x.Shape().Dimensions[2]), flat).General([]int{0}, nil, []int{0}, nil)
	// h_{t−1} for every t: zeros, then the hidden states but the last.
	h := lstmHidden(gates, cells, H)
	hPrev := Concatenate([]*Node{ExpandAxes(zero, 0), Slice(h, AxisRange(0, T-1))}, 0)
	dwh = Dot(Reshape(hPrev, T*B, H), flat).General([]int{0}, nil, []int{0}, nil)
	db = ReduceSum(flat, 0)
	return dx, dwx, dwh, db
}
