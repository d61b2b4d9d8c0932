import Foundation
import Testing
@testable import DarkroomEngine

@Suite("SchedulerConfig decoding, defaults and errors")
struct SchedulerConfigTests {
    private let sd15 = Data("""
        {"_class_name": "PNDMScheduler", "_diffusers_version": "0.6.0", "beta_end": 0.012,
         "beta_schedule": "scaled_linear", "beta_start": 0.00085, "num_train_timesteps": 1000,
         "set_alpha_to_one": false, "skip_prk_steps": true, "steps_offset": 1, "trained_betas": null,
         "clip_sample": false}
        """.utf8)

    @Test("unknown keys are ignored and present keys kept")
    func decoding() throws {
        let config = try SchedulerConfig(json: sd15)
        #expect(config.className == "PNDMScheduler")
        #expect(config.betaSchedule == "scaled_linear")
        #expect(config.stepsOffset == 1)
        #expect(config.setAlphaToOne == false)
        #expect(config.trainedBetas == nil)
        #expect(config.timestepSpacing == nil)
        #expect(config.predictionType == .epsilon)
    }

    @Test("missing fields take the defaults of the kind's diffusers class")
    func classDefaults() throws {
        let empty = SchedulerConfig()
        let ddim = try empty.resolved(for: .ddim)
        #expect(ddim.timestepSpacing == .leading)
        #expect(ddim.clipSample == true)
        #expect(ddim.betaSchedule == .linear)
        let euler = try empty.resolved(for: .euler)
        #expect(euler.timestepSpacing == .linspace)
        #expect(euler.clipSample == false)
        let lcm = try empty.resolved(for: .lcm)
        #expect(lcm.betaSchedule == .scaledLinear)
        #expect(lcm.betaStart == 0.00085)
        #expect(lcm.originalInferenceSteps == 50)
        #expect(try empty.resolved(for: .dpmSolverMultistepKarras).useKarrasSigmas)
        #expect(try !empty.resolved(for: .dpmSolverMultistep).useKarrasSigmas)
    }

    @Test("unsupported values are errors naming the field", arguments: [
        ("{\"prediction_type\": \"sample\"}", "prediction_type"),
        ("{\"beta_schedule\": \"sigmoid\"}", "beta_schedule"),
        ("{\"timestep_spacing\": \"random\"}", "timestep_spacing"),
        ("{\"thresholding\": true}", "thresholding"),
        ("{\"rescale_betas_zero_snr\": true}", "rescale_betas_zero_snr"),
        ("{\"algorithm_type\": \"sde-dpmsolver++\"}", "algorithm_type"),
        ("{\"solver_order\": 3}", "solver_order"),
        ("{\"trained_betas\": [0.1, 0.2]}", "trained_betas"),
    ])
    func unsupportedValues(json: String, field: String) throws {
        let config = try SchedulerConfig(json: Data(json.utf8))
        do {
            _ = try makeScheduler(.dpmSolverMultistep, config: config, steps: 10)
            Issue.record("\(json) was accepted")
        } catch let error as SchedulerConfigError {
            guard case .unsupportedValue(let named, _, _) = error else {
                Issue.record("unexpected error \(error)")
                return
            }
            #expect(named == field)
            #expect(error.description.contains(field))
        }
    }

    @Test("a field of the wrong JSON type is an error naming it")
    func wrongType() {
        #expect(throws: SchedulerConfigError.self) { try SchedulerConfig(json: Data("{\"steps_offset\": \"one\"}".utf8)) }
        do {
            _ = try SchedulerConfig(json: Data("{\"steps_offset\": \"one\"}".utf8))
        } catch {
            #expect("\(error)".contains("steps_offset"))
        }
        #expect(throws: SchedulerConfigError.self) { try SchedulerConfig(json: Data("[1, 2]".utf8)) }
    }

    @Test("step counts out of range are errors")
    func stepCounts() throws {
        let config = try SchedulerConfig(json: sd15)
        #expect(throws: SchedulerConfigError.self) { try makeScheduler(.ddim, config: config, steps: 0) }
        #expect(throws: SchedulerConfigError.self) { try makeScheduler(.euler, config: config, steps: 1001) }
        #expect(throws: SchedulerConfigError.self) { try makeScheduler(.lcm, config: config, steps: 51) }
        for kind in SchedulerKind.allCases {
            #expect(try makeScheduler(kind, config: config, steps: 8).timesteps.count == 8, "\(kind)")
        }
    }

    @Test("the effective config renders as sorted JSON with the class and its defaults")
    func effectiveJSON() throws {
        let config = try SchedulerConfig(json: sd15)
        let data = try config.effectiveJSON(for: .dpmSolverMultistepKarras)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["_class_name"] as? String == "DPMSolverMultistepScheduler")
        #expect(object["use_karras_sigmas"] as? Bool == true)
        #expect(object["timestep_spacing"] as? String == "linspace")
        #expect(object["steps_offset"] as? Int == 1)
        #expect(object["beta_schedule"] as? String == "scaled_linear")
        #expect(object["solver_order"] as? Int == 2)
        // Rendering is deterministic, and the rendered config rebuilds the same scheduler.
        #expect(try config.effectiveJSON(for: .dpmSolverMultistepKarras) == data)
        let reread = try SchedulerConfig(json: data)
        #expect(try reread.effectiveJSON(for: .dpmSolverMultistepKarras) == data)
        let original = try makeScheduler(.dpmSolverMultistepKarras, config: config, steps: 8)
        let rebuilt = try makeScheduler(.dpmSolverMultistepKarras, config: reread, steps: 8)
        #expect(original.timesteps == rebuilt.timesteps)
    }

    @Test("Codable round trip keeps every field")
    func codableRoundTrip() throws {
        var config = try SchedulerConfig(json: sd15)
        config.predictionType = .vPrediction
        let encoded = try JSONEncoder().encode(config)
        let decoded = try JSONDecoder().decode(SchedulerConfig.self, from: encoded)
        #expect(decoded == config)
        #expect(decoded.predictionType == .vPrediction)
    }

    @Test("the kinds' command-line names")
    func kindNames() {
        #expect(SchedulerKind.allCases.map(\.rawValue) == ["ddim", "euler", "euler-a", "dpmpp-2m", "dpmpp-2m-karras", "lcm"])
    }

    @Test("ancestral and LCM schedulers draw noise from the generator; the others do not")
    func noiseDraws() throws {
        let config = try SchedulerConfig(json: sd15)
        for kind in SchedulerKind.allCases {
            var scheduler = try makeScheduler(kind, config: config, steps: 4)
            var generator = TorchGenerator(seed: 9)
            var untouched = TorchGenerator(seed: 9)
            let sample = [Float](repeating: 0.5, count: 32)
            _ = scheduler.step(modelOutput: sample, stepIndex: 0, sample: sample, generator: &generator)
            let drew = generator.randn(16) != untouched.randn(16)
            #expect(drew == (kind == .eulerAncestral || kind == .lcm), "\(kind)")
        }
    }
}
