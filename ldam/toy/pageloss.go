package toy

import "github.com/gomlx/gomlx/core/graph"

// PageLDAM is the LDAM loss of Eq. 12–13 as notebook 03 writes it out, line by line, on cosine
// logits z [n, k] with margins Δ [k] and class weights w [k] (ones: no re-weighting; DRW's from
// T0): −log softmax(s·(z − Δ_y·onehot(y)))_y, averaged with weights w_y. TestPageLDAMIsTheLibrarys
// holds it equal to losses.LDAM, and TestNotebookShowsPageLDAM holds the notebook's cell equal
// to this body.
func PageLDAM(z, labels, margins, weights *graph.Node, s float64) *graph.Node {
	onehot := graph.OneHot(labels, z.Shape().Dimensions[1], z.DType())                      // 1 at the true class y
	zm := graph.MulScalar(graph.Sub(z, graph.Mul(onehot, graph.ExpandAxes(margins, 0))), s) // s·(z_j − Δ_y·[j = y])
	top := graph.StopGradient(graph.ReduceAndKeep(zm, graph.ReduceMax, -1))                 // for a stable softmax
	lse := graph.Add(top, graph.Log(graph.ReduceAndKeep(graph.Exp(graph.Sub(zm, top)), graph.ReduceSum, -1)))
	nll := graph.Neg(graph.ReduceSum(graph.Mul(onehot, graph.Sub(zm, lse)), -1))   // −log p_y per example
	w := graph.ReduceSum(graph.Mul(onehot, graph.ExpandAxes(weights, 0)), -1)      // w_y per example
	return graph.Div(graph.ReduceAllSum(graph.Mul(w, nll)), graph.ReduceAllSum(w)) // weighted mean
}
