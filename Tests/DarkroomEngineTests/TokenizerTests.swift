import Foundation
import Testing
@testable import DarkroomEngine

private struct TokenizerGoldens: Decodable {
    struct Setup: Decodable {
        let maxLength: Int
        let padId: Int32
    }
    struct Case: Decodable {
        let text: String
        let files: [Int32]
        let json: [Int32]
        let jsonNormalized: [Int32]
        enum CodingKeys: String, CodingKey {
            case text
            case files = "tokenizer-files"
            case json = "tokenizer-json"
            case jsonNormalized = "tokenizer-json-normalized"
        }
    }
    let tokenizers: [String: Setup]
    let cases: [Case]
}

@Suite("CLIPTokenizer matches transformers")
struct TokenizerTests {
    private let goldens: TokenizerGoldens

    init() throws {
        goldens = try SamplingFixtures.load(TokenizerGoldens.self, "tokenizer.json")
    }

    private func tokenizer(_ name: String) throws -> CLIPTokenizer {
        try CLIPTokenizer(directory: SamplingFixtures.directory.appendingPathComponent(name))
    }

    @Test("vocab.json + merges.txt layout gives transformers' ids for every tricky string")
    func filesLayout() throws {
        let tokenizer = try tokenizer("tokenizer-files")
        let setup = try #require(goldens.tokenizers["tokenizer-files"])
        #expect(tokenizer.maxLength == setup.maxLength)
        #expect(tokenizer.padID == setup.padId)
        for golden in goldens.cases {
            #expect(tokenizer.encode(golden.text) == golden.files, "\(golden.text.debugDescription)")
        }
    }

    @Test("tokenizer.json layout (pad \"!\", length 20) gives transformers' ids for every tricky string")
    func jsonLayout() throws {
        let tokenizer = try tokenizer("tokenizer-json")
        let setup = try #require(goldens.tokenizers["tokenizer-json"])
        #expect(tokenizer.maxLength == setup.maxLength)
        #expect(tokenizer.padID == setup.padId)
        for golden in goldens.cases {
            #expect(tokenizer.encode(golden.text) == golden.json, "\(golden.text.debugDescription)")
        }
    }

    @Test("both layouts share vocabulary and merges")
    func layoutsAgreeBeforePadding() throws {
        let files = try tokenizer("tokenizer-files")
        let json = try tokenizer("tokenizer-json")
        // "!" is a special token only in the JSON layout, so avoid it here.
        let text = "A photograph of an astronaut riding a horse, 4k; it's café"
        #expect(files.tokenize(text) == json.tokenize(text))
        #expect(files.encode(text).count == 77)
    }

    /// A copy of `tokenizer-json` in a temporary folder with its
    /// tokenizer.json rewritten by `edit`; the caller removes the folder.
    private func editedJSONTokenizer(_ edit: (inout [String: Any]) throws -> Void) throws -> (CLIPTokenizer, URL) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("darkroom-tokenizer-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let source = SamplingFixtures.directory.appendingPathComponent("tokenizer-json")
        var root = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: source.appendingPathComponent("tokenizer.json"))) as? [String: Any])
        try edit(&root)
        try JSONSerialization.data(withJSONObject: root).write(to: folder.appendingPathComponent("tokenizer.json"))
        try FileManager.default.copyItem(
            at: source.appendingPathComponent("tokenizer_config.json"), to: folder.appendingPathComponent("tokenizer_config.json"))
        return (try CLIPTokenizer(directory: folder), folder)
    }

    @Test("tokenizer.json with merges written as \"a b\" strings loads the same")
    func stringMerges() throws {
        let (rewritten, folder) = try editedJSONTokenizer { root in
            var model = try #require(root["model"] as? [String: Any])
            let pairs = try #require(model["merges"] as? [[String]])
            model["merges"] = pairs.map { $0.joined(separator: " ") }
            root["model"] = model
        }
        defer { try? FileManager.default.removeItem(at: folder) }
        for golden in goldens.cases {
            #expect(rewritten.encode(golden.text) == golden.json, "\(golden.text.debugDescription)")
        }
    }

    @Test("added tokens marked normalized match after lower-casing, as transformers does")
    func normalizedAddedTokens() throws {
        let (tokenizer, folder) = try editedJSONTokenizer { root in
            let tokens = try #require(root["added_tokens"] as? [[String: Any]])
            root["added_tokens"] = tokens.map { token in token.merging(["normalized": true]) { $1 } }
        }
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(goldens.cases.contains { $0.json != $0.jsonNormalized })
        for golden in goldens.cases {
            #expect(tokenizer.encode(golden.text) == golden.jsonNormalized, "\(golden.text.debugDescription)")
        }
    }

    @Test("one tokenizer shared across concurrent tasks gives the same ids (word cache is thread-safe)")
    func concurrentEncoding() async throws {
        let tokenizer = try tokenizer("tokenizer-files")
        let cases = goldens.cases
        let mismatches = await withTaskGroup(of: Int.self) { group in
            for task in 0..<8 {
                group.addTask {
                    var wrong = 0
                    for (index, golden) in cases.enumerated() where index % 2 == task % 2 {
                        if tokenizer.encode(golden.text) != golden.files { wrong += 1 }
                    }
                    return wrong
                }
            }
            return await group.reduce(0, +)
        }
        #expect(mismatches == 0)
    }

    @Test("the splitter follows CLIP's pattern")
    func splitter() {
        let words = CLIPTextSplitter.words(CLIPTextSplitter.normalize("It's  A\tdog's 42!? ''s <|endoftext|>x"))
        #expect(words == ["it", "'s", "a", "dog", "'s", "4", "2", "!?", "''", "s", "<|", "endoftext", "|>", "x"])
    }

    @Test("a directory without tokenizer files is a clear error")
    func missingFiles() throws {
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("darkroom-empty-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: empty) }
        #expect(throws: TokenizerError.missingFiles(directory: empty.path)) {
            try CLIPTokenizer(directory: empty)
        }
        let error = TokenizerError.missingFiles(directory: empty.path)
        #expect(error.description.contains("vocab.json"))
    }

    @Test("a malformed merges file is a clear error")
    func malformedMerges() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("darkroom-bad-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let source = SamplingFixtures.directory.appendingPathComponent("tokenizer-files/vocab.json")
        try FileManager.default.copyItem(at: source, to: folder.appendingPathComponent("vocab.json"))
        try "#version: 0.2\nabc\n".write(to: folder.appendingPathComponent("merges.txt"), atomically: true, encoding: .utf8)
        #expect(throws: TokenizerError.self) { try CLIPTokenizer(directory: folder) }
        try "#version: 0.2\nq z\n".write(to: folder.appendingPathComponent("merges.txt"), atomically: true, encoding: .utf8)
        #expect(throws: TokenizerError.mergeNotInVocabulary(left: "q", right: "z")) { try CLIPTokenizer(directory: folder) }
    }
}
