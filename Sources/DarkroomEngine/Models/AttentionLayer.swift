/// diffusers' `Attention` / transformers' CLIP attention: q, k, v projections, multi-head
/// scaled dot-product attention and an output projection, on `[N, tokens, channels]`.
struct AttentionLayer: Sendable {
    let query: Linear
    let key: Linear
    let value: Linear
    let output: Linear
    let heads: Int

    /// Loads `prefix.{q,k,v,out}` under the given sub-names.
    init(weights: ComponentWeights, prefix: String, names: (q: String, k: String, v: String, out: String),
         queryDimension: Int, contextDimension: Int, heads: Int, projectionBias: Bool) throws(ModelLoadError) {
        query = try weights.linear("\(prefix).\(names.q)", input: queryDimension, output: queryDimension, bias: projectionBias)
        key = try weights.linear("\(prefix).\(names.k)", input: contextDimension, output: queryDimension, bias: projectionBias)
        value = try weights.linear("\(prefix).\(names.v)", input: contextDimension, output: queryDimension, bias: projectionBias)
        output = try weights.linear("\(prefix).\(names.out)", input: queryDimension, output: queryDimension, bias: true)
        self.heads = heads
    }

    /// diffusers naming: `to_q`, `to_k`, `to_v`, `to_out.0`.
    static let diffusersNames = (q: "to_q", k: "to_k", v: "to_v", out: "to_out.0")

    /// Attends from `hidden` to `context` (itself when nil).
    func callAsFunction(_ hidden: Tensor, context: Tensor? = nil, causal: Bool = false) -> Tensor {
        let source = context ?? hidden
        let attended = ScaledDotProductAttention.attend(
            query: query(hidden), key: key(source), value: value(source), heads: heads, causal: causal)
        return output(attended)
    }
}
