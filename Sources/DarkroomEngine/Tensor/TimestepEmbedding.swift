import Foundation

/// Sinusoidal timestep features, as diffusers' `get_timestep_embedding`.
public enum SinusoidalTimestepFeatures {
    /// `[timesteps.count, dimension]` features: `[sin, cos]` (or `[cos, sin]` with
    /// `flipSinToCos`) of `t * exp(-log(maxPeriod) * i / (dimension/2 - downscaleFreqShift))`.
    public static func embed(
        _ timesteps: [Float], dimension: Int, flipSinToCos: Bool, downscaleFreqShift: Float,
        scale: Float = 1, maxPeriod: Float = 10000
    ) -> Tensor {
        let half = dimension / 2
        let logPeriod = -Float(log(Double(maxPeriod)))
        let frequencies = (0..<half).map { i in expf(logPeriod * Float(i) / (Float(half) - downscaleFreqShift)) }
        var result = Tensor(shape: [timesteps.count, dimension])
        for (n, t) in timesteps.enumerated() {
            let row = n * dimension
            for i in 0..<half {
                let argument = scale * (t * frequencies[i])
                let (first, second) = flipSinToCos ? (cosf(argument), sinf(argument)) : (sinf(argument), cosf(argument))
                result.scalars[row + i] = first
                result.scalars[row + half + i] = second
            }
        }
        return result
    }
}
