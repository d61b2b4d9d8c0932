import DarkroomImaging
import Foundation
import Testing

/// The Swift port of the exact attribute checker gives Python's verdicts on rendered scenes
/// (Fixtures/checker, made by make_checker_goldens.py with the training code's renderer and checker),
/// for true specs and deliberately wrong ones.
@Suite struct SceneAttributeCheckerTests {
    struct Case: Decodable {
        struct Object: Decodable { var colour: String; var shape: String }
        var file: String, kind: String, objects: [Object], position: String?, relation: String?
        var colour: Bool, shape: Bool, position_ok: Bool
    }

    @Test func portAgreesWithThePythonChecker() throws {
        let folder = fixturesFolder.appendingPathComponent("checker")
        let cases = try JSONDecoder().decode([Case].self, from: Data(contentsOf: folder.appendingPathComponent("checker-goldens.json")))
        #expect(cases.count == 32)
        #expect(cases.contains { $0.colour && $0.shape && $0.position_ok } && cases.contains { !($0.shape && $0.position_ok) })
        for item in cases {
            let image = try PNGCodec.decode(Data(contentsOf: folder.appendingPathComponent(item.file))).image
            let scene = SceneAttributeChecker.Scene(
                objects: item.objects.map { .init(colour: $0.colour, shape: $0.shape) },
                layout: item.kind == "single" ? .single(position: item.position ?? "centre") : .relation(item.relation ?? "next to"))
            let verdict = SceneAttributeChecker.check(image, scene)
            #expect(verdict == .init(colour: item.colour, shape: item.shape, position: item.position_ok), "\(item.file) \(item.objects.map(\.shape))")
        }
    }
}
