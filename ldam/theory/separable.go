package theory

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize"
)

// Linear is a two-class linear classifier on R^d: class 0 where w·x + b > 0, class 1 otherwise.
type Linear struct {
	W []float64
	B float64
}

// Score is w·x + b.
func (l Linear) Score(x []float64) float64 {
	s := l.B
	for i, v := range x {
		s += l.W[i] * v
	}
	return s
}

// norm is ‖w‖.
func (l Linear) norm() float64 {
	s := 0.0
	for _, v := range l.W {
		s += v * v
	}
	return math.Sqrt(s)
}

// Margins returns the class margins of Eq. 2 as geometric distances to the boundary:
// γ0 = min over class 0 of (w·x + b)/‖w‖ and γ1 = min over class 1 of −(w·x + b)/‖w‖
// (negative when a training point is misclassified).
func (l Linear) Margins(x [][]float64, y []int) (g0, g1 float64) {
	g0, g1 = math.Inf(1), math.Inf(1)
	n := l.norm()
	for i, xi := range x {
		s := l.Score(xi) / n
		if y[i] == 0 {
			g0 = min(g0, s)
		} else {
			g1 = min(g1, -s)
		}
	}
	return g0, g1
}

// WithMargins returns the classifier with the same weights and the bias moved so that the
// class-0 margin is gamma0 and the class-1 margin β − gamma0, where β = γ0 + γ1 is fixed by the
// weights (section 3.1: moving the bias trades one class's margin for the other's).
func (l Linear) WithMargins(x [][]float64, y []int, gamma0 float64) Linear {
	g0, _ := l.Margins(x, y)
	out := Linear{W: append([]float64(nil), l.W...), B: l.B + (gamma0-g0)*l.norm()}
	return out
}

// MarginsProportional returns γ0, γ1 with γ0 + γ1 = β and γ_j ∝ n_j^{−α}: α = 1/4 is the
// optimum of Theorem 3 (Eq. 8), α = 0 equal margins.
func MarginsProportional(beta float64, n0, n1 int, alpha float64) (g0, g1 float64) {
	a, b := math.Pow(float64(n0), -alpha), math.Pow(float64(n1), -alpha)
	return beta * a / (a + b), beta * b / (a + b)
}

// MaxMargin returns the hard-margin (maximum-margin) linear classifier of a linearly separable
// two-class set, the one logistic regression converges to without regularization (section
// 3.2). The direction is the shortest vector between the two classes' convex hulls (Gilbert's
// algorithm, iterated to a relative change below tol); the bias then puts the boundary
// midway between the classes along it, so the margins are exactly equal for that direction.
// It fails when the classes are not separable. (Gilbert's algorithm is written here because
// gonum has no quadratic-programming solver for the hard-margin problem.)
func MaxMargin(x [][]float64, y []int, tol float64, maxIter int) (Linear, error) {
	if len(x) == 0 || len(x) != len(y) {
		return Linear{}, fmt.Errorf("theory: %d points and %d labels", len(x), len(y))
	}
	d := len(x[0])
	var a, b [][]float64
	for i, xi := range x {
		if len(xi) != d {
			return Linear{}, fmt.Errorf("theory: point %d has %d coordinates, not %d", i, len(xi), d)
		}
		if y[i] == 0 {
			a = append(a, xi)
		} else {
			b = append(b, xi)
		}
	}
	if len(a) == 0 || len(b) == 0 {
		return Linear{}, fmt.Errorf("theory: both classes need points (%d and %d)", len(a), len(b))
	}
	p, q := append([]float64(nil), a[0]...), append([]float64(nil), b[0]...)
	z := make([]float64, d)
	dot := func(u, v []float64) float64 {
		s := 0.0
		for i := range u {
			s += u[i] * v[i]
		}
		return s
	}
	for range maxIter {
		for i := range z {
			z[i] = p[i] - q[i]
		}
		// Support points of the difference set in direction −z.
		sa, sb := a[0], b[0]
		for _, v := range a {
			if dot(z, v) < dot(z, sa) {
				sa = v
			}
		}
		for _, v := range b {
			if dot(z, v) > dot(z, sb) {
				sb = v
			}
		}
		// Step toward s = sa − sb minimizing ‖(1−t)z + t·s‖ over t ∈ [0, 1].
		var zz, zs, ss float64
		for i := range z {
			s := sa[i] - sb[i]
			zz += z[i] * z[i]
			zs += z[i] * s
			ss += s * s
		}
		if zz-zs <= tol*zz { // duality gap: z is optimal to tol
			break
		}
		t := (zz - zs) / (zz - 2*zs + ss)
		t = max(0, min(1, t))
		for i := range p {
			p[i] += t * (sa[i] - p[i])
			q[i] += t * (sb[i] - q[i])
		}
	}
	for i := range z {
		z[i] = p[i] - q[i]
	}
	l := Linear{W: z}
	g0, g1 := l.Margins(x, y) // with b = 0
	if !(l.norm() > 1e-12 && g0+g1 > 0) {
		return Linear{}, fmt.Errorf("theory: the classes are not linearly separable")
	}
	return l.WithMargins(x, y, (g0+g1)/2), nil
}

// WeightedLogistic fits L2-regularized logistic regression with per-class example weights
// (re-weighting: weight_j ∝ 1/n_j, normalized to mean 1 over the training set): it minimizes
// (1/n) Σ_i w_{y_i} log(1 + e^{−s_i·(v·x_i + c)}) + (λ/2)‖v‖², s_i = +1 for class 0 and −1 for
// class 1, with gonum's Newton method (the objective is strictly convex for λ > 0) in at most
// iters iterations, to a gradient norm of 1e-10.
func WeightedLogistic(x [][]float64, y []int, classWeight [2]float64, lambda float64, iters int) (Linear, error) {
	n := len(x)
	if n == 0 || n != len(y) {
		return Linear{}, fmt.Errorf("theory: %d points and %d labels", n, len(y))
	}
	d := len(x[0]) + 1 // the bias is the last coordinate, not regularized
	feats := make([][]float64, n)
	for i, xi := range x {
		feats[i] = append(append([]float64(nil), xi...), 1)
	}
	// each calls visit(f_i, s_i, w_i/n, m_i) for every example at θ.
	each := func(theta []float64, visit func(f []float64, s, w, m float64)) {
		for i, f := range feats {
			s := 1.0
			if y[i] == 1 {
				s = -1
			}
			visit(f, s, classWeight[y[i]]/float64(n), floats.Dot(theta, f))
		}
	}
	p := optimize.Problem{
		Func: func(theta []float64) float64 {
			v := 0.0
			each(theta, func(_ []float64, s, w, m float64) { v += w * softplus(-s*m) })
			return v + lambda/2*floats.Dot(theta[:d-1], theta[:d-1])
		},
		Grad: func(grad, theta []float64) {
			clear(grad)
			each(theta, func(f []float64, s, w, m float64) { floats.AddScaled(grad, -w*s/(1+math.Exp(s*m)), f) })
			floats.AddScaled(grad[:d-1], lambda, theta[:d-1])
		},
		Hess: func(hess *mat.SymDense, theta []float64) {
			h := mat.NewSymDense(d, nil)
			each(theta, func(f []float64, s, w, m float64) {
				q := 1 / (1 + math.Exp(s*m)) // σ(−s·m)
				h.SymRankOne(h, w*q*(1-q), mat.NewVecDense(d, f))
			})
			for k := range d - 1 {
				h.SetSym(k, k, h.At(k, k)+lambda)
			}
			hess.CopySym(h)
		},
	}
	res, err := optimize.Minimize(p, make([]float64, d), &optimize.Settings{GradientThreshold: 1e-10, MajorIterations: iters}, &optimize.Newton{})
	if err != nil {
		return Linear{}, fmt.Errorf("theory: weighted logistic regression: %w", err)
	}
	return Linear{W: res.X[:d-1], B: res.X[d-1]}, nil
}

// softplus is log(1 + e^t), without overflow for large t.
func softplus(t float64) float64 {
	if t > 30 {
		return t + math.Log1p(math.Exp(-t))
	}
	return math.Log1p(math.Exp(t))
}
