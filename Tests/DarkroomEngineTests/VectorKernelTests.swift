import Foundation
import Testing
@testable import DarkroomEngine

/// The C kernels behind `VectorMath`, in both their versions (AVX2+FMA where this CPU has it, and the baseline),
/// against scalar references computed with the platform's libm in double precision.
@Suite(.serialized) struct VectorKernelTests {
    /// Values over the ranges the models produce, with lengths that leave every tail size (0-7) once.
    static let lengths = [1, 3, 7, 8, 9, 15, 16, 17, 100, 1027, 4099]

    static func values(_ count: Int, spread: Float = 8, seed: UInt64 = 1) -> [Float] {
        var state = seed
        return (0..<count).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return (Float(state >> 40) / Float(1 << 24) - 0.5) * 2 * spread
        }
    }

    /// Runs `check` with the CPU's best kernels, then with the baseline ones.
    func bothVersions(_ check: () -> Void) {
        check()
        VectorMath.withBaselineKernels(check)
    }

    @Test func exponentiateMatchesLibmAndSums() {
        bothVersions {
            for count in Self.lengths {
                var buffer = Self.values(count, spread: 40)
                let reference = buffer.map { Foundation.exp(Double($0 - 3)) } // the kernels subtract in float
                let total = buffer.withUnsafeMutableBufferPointer { VectorMath.exponentiate($0.baseAddress!, count: count, shift: 3) }
                for (value, expected) in zip(buffer, reference) {
                    #expect(abs(Double(value) - expected) <= 4e-7 * expected, "exp: \(value) against \(expected)")
                }
                let expectedTotal = reference.reduce(0, +)
                #expect(abs(Double(total) - expectedTotal) <= 1e-5 * expectedTotal)
            }
        }
    }

    @Test func scalarExpMatchesLibmAndClamps() {
        for x in Self.values(1000, spread: 80) {
            let expected = Foundation.exp(Double(x))
            #expect(abs(Double(VectorMath.exp(x)) - expected) <= 4e-7 * expected, "exp(\(x))")
        }
        #expect(VectorMath.exp(-.infinity) > 0 && VectorMath.exp(-.infinity) < 1e-37)
        #expect(VectorMath.exp(200) == VectorMath.exp(88.72283))
    }

    @Test func maximumFindsTheLargestInEveryPosition() {
        bothVersions {
            for count in Self.lengths {
                for position in Set([0, count / 2, count - 1]) {
                    var buffer = Self.values(count)
                    buffer[position] = 100
                    #expect(buffer.withUnsafeBufferPointer { VectorMath.maximum($0.baseAddress!, count: count) } == 100)
                }
            }
        }
    }

    @Test(arguments: [Activation.silu, .quickGELU, .gelu, .relu, .geluTanh])
    func affineWithActivationMatchesTheScalarForm(_ activation: Activation) {
        bothVersions {
            for count in Self.lengths {
                let source = Self.values(count)
                var destination = [Float](repeating: .nan, count: count + 1)
                source.withUnsafeBufferPointer { s in
                    destination.withUnsafeMutableBufferPointer { d in
                        VectorMath.affine(d.baseAddress!, s.baseAddress!, count: count, scale: 0.75, shift: -0.5, activation: activation)
                    }
                }
                for i in 0..<count {
                    let expected = Self.reference(activation, Double(source[i]) * 0.75 - 0.5)
                    #expect(abs(Double(destination[i]) - expected) <= 1e-6 * max(1, abs(expected)),
                            "\(activation) of \(source[i]): \(destination[i]) against \(expected)")
                }
                #expect(destination[count].isNaN, "wrote past the end")
            }
        }
    }

    @Test func gegluGatesTheFirstHalfByTheGELUOfTheSecond() {
        bothVersions {
            for width in Self.lengths {
                let input = Self.values(2 * width, spread: 5, seed: 3)
                var output = [Float](repeating: 0, count: width)
                input.withUnsafeBufferPointer { i in
                    output.withUnsafeMutableBufferPointer { VectorMath.geglu($0.baseAddress!, i.baseAddress!, width: width) }
                }
                for i in 0..<width {
                    let expected = Double(input[i]) * Self.reference(.gelu, Double(input[width + i]))
                    // erf's absolute error (1.5e-7, Abramowitz and Stegun 7.1.26) is scaled by the gated value.
                    #expect(abs(Double(output[i]) - expected) <= 1e-6 * max(1, abs(Double(input[i] * input[width + i]))))
                }
            }
        }
    }

    @Test func momentsMatchDoublePrecisionEvenFarFromZero() {
        bothVersions {
            for count in Self.lengths + [64 * 64 * 10] {
                let values = Self.values(count, spread: 3, seed: 7).map { $0 + 1000 }
                let mean = values.reduce(0.0) { $0 + Double($1) } / Double(count)
                let variance = values.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(count)
                let (m, inverse) = values.withUnsafeBufferPointer { VectorMath.moments($0.baseAddress!, count: count, epsilon: 1e-5) }
                #expect(abs(Double(m) - mean) <= 1e-6 * abs(mean))
                let expected = 1 / (variance + 1e-5).squareRoot()
                #expect(abs(Double(inverse) - expected) <= 1e-4 * expected, "count \(count): \(inverse) against \(expected)")
            }
        }
    }

    @Test func theWideVersionsAreInUseWhereTheCPUHasThem() {
        #if arch(x86_64)
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        #expect(VectorMath.cpuHasWideVectors == (cpuinfo.contains(" avx2") && cpuinfo.contains(" fma")))
        #endif
        VectorMath.withBaselineKernels { #expect(!VectorMath.usesWideVectors) }
    }

    static func reference(_ activation: Activation, _ x: Double) -> Double {
        switch activation {
        case .silu: return x / (1 + Foundation.exp(-x))
        case .quickGELU: return x / (1 + Foundation.exp(-1.702 * x))
        case .gelu: return 0.5 * x * (1 + erf(x / 2.0.squareRoot()))
        case .geluTanh: return 0.5 * x * (1 + tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)))
        case .relu: return max(0, x)
        }
    }
}
