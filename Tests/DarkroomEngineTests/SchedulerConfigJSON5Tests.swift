import Foundation
import Testing
@testable import DarkroomEngine

/// diffusers' `save_pretrained` writes Python float literals that strict JSON rejects.
@Test func schedulerConfigAcceptsPythonInfinity() throws {
    let json = """
        {"_class_name": "DPMSolverMultistepScheduler", "lambda_min_clipped": -Infinity, "prediction_type": "v_prediction",
         "num_train_timesteps": 1000, "beta_schedule": "scaled_linear", "beta_start": 0.00085, "beta_end": 0.012}
        """
    let config = try SchedulerConfig(json: Data(json.utf8))
    #expect(config.lambdaMinClipped == -.infinity)
    #expect(config.predictionType == .vPrediction)
}
