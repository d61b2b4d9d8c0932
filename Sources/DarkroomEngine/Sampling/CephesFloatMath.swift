/// Single-lane replicas of the Cephes-derived `log256_ps` and `sincos256_ps`
/// polynomials (Pommier's "avx_mathfun") that PyTorch's AVX2 `normal_fill`
/// kernel uses for `torch.randn`. Every operation is an IEEE float32 operation
/// in the same order as the vector code, and a multiply is fused into the
/// following add exactly where the compiler of torch's x86-64 wheels
/// contracts it (verified bit for bit against torch 2.13), so results are
/// identical to one lane of the vector kernel. These are not general purpose
/// functions: they exist to reproduce torch's noise exactly.
enum CephesFloatMath {
    // Constants are written as the C source writes them: a double literal
    // rounded to float.
    private static let sqrtHalf = Float(0.707106781186547524 as Double)
    private static let logP: [Float] = [
        7.0376836292E-2, -1.1514610310E-1, 1.1676998740E-1, -1.2420140846E-1, 1.4249322787E-1,
        -1.6668057665E-1, 2.0000714765E-1, -2.4999993993E-1, 3.3333331174E-1,
    ].map { (value: Double) in Float(value) }
    private static let logQ1 = Float(-2.12194440e-4 as Double)
    private static let logQ2 = Float(0.693359375 as Double)

    private static let minusDP1 = Float(-0.78515625 as Double)
    private static let minusDP2 = Float(-2.4187564849853515625e-4 as Double)
    private static let minusDP3 = Float(-3.77489497744594108e-8 as Double)
    private static let sinP0 = Float(-1.9515295891E-4 as Double)
    private static let sinP1 = Float(8.3321608736E-3 as Double)
    private static let sinP2 = Float(-1.6666654611E-1 as Double)
    private static let cosP0 = Float(2.443315711809948E-005 as Double)
    private static let cosP1 = Float(-1.388731625493765E-003 as Double)
    private static let cosP2 = Float(4.166664568298827E-002 as Double)
    private static let fourOverPi = Float(1.27323954473516 as Double)

    /// Natural logarithm of a positive float, as one lane of `log256_ps`.
    static func log(_ input: Float) -> Float {
        if input <= 0 { return .nan }
        var x = Swift.max(input, Float(bitPattern: 0x0080_0000))
        let bits = x.bitPattern
        var e = Float(Int32(bitPattern: bits >> 23) - 0x7F)
        x = Float(bitPattern: (bits & ~UInt32(0x7F80_0000)) | Float(0.5).bitPattern)
        e = e + 1
        let below = x < sqrtHalf
        let tmp: Float = below ? x : 0
        x = x - 1
        e = e - (below ? 1 : 0)
        x = x + tmp

        let z = x * x
        var y = logP[0]
        for coefficient in logP.dropFirst() {
            y = coefficient.addingProduct(y, x)
        }
        y = y * x
        y = (e * logQ1).addingProduct(y, z)
        y = y.addingProduct(-z, 0.5)
        x = x + y
        x = x.addingProduct(e, logQ2)
        return x
    }

    /// Sine and cosine of a float, as one lane of `sincos256_ps`.
    static func sincos(_ input: Float) -> (sin: Float, cos: Float) {
        let signBitSin = input.bitPattern & 0x8000_0000
        var x = Swift.abs(input)
        var y = x * fourOverPi
        var j = Int32(y)  // truncation, as cvttps
        j = (j &+ 1) & ~1
        y = Float(j)
        let swapSignSin = UInt32(bitPattern: j & 4) << 29
        let polynomialIsSine = (j & 2) == 0
        x = x.addingProduct(y, minusDP1)
        x = x.addingProduct(y, minusDP2)
        x = x.addingProduct(y, minusDP3)
        let signBitCos = UInt32(bitPattern: ~(j &- 2) & 4) << 29
        let sinSign = signBitSin ^ swapSignSin

        let z = x * x
        var cosPoly = cosP0
        cosPoly = cosP1.addingProduct(cosPoly, z)
        cosPoly = cosP2.addingProduct(cosPoly, z)
        cosPoly = cosPoly * z
        cosPoly = (-(z * 0.5)).addingProduct(cosPoly, z)
        cosPoly = cosPoly + 1

        var sinPoly = sinP0
        sinPoly = sinP1.addingProduct(sinPoly, z)
        sinPoly = sinP2.addingProduct(sinPoly, z)
        sinPoly = sinPoly * z
        sinPoly = x.addingProduct(sinPoly, x)

        // The vector code selects by masking and adding; replicate it so even
        // the sign of zero matches.
        let sinFromSinPoly: Float = polynomialIsSine ? sinPoly : 0
        let sinFromCosPoly: Float = polynomialIsSine ? 0 : cosPoly
        let cosFromSinPoly = sinPoly - sinFromSinPoly
        let cosFromCosPoly = cosPoly - sinFromCosPoly
        let sinValue = sinFromCosPoly + sinFromSinPoly
        let cosValue = cosFromCosPoly + cosFromSinPoly
        return (
            Float(bitPattern: sinValue.bitPattern ^ sinSign),
            Float(bitPattern: cosValue.bitPattern ^ signBitCos)
        )
    }
}
