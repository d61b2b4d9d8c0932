// darkroom-bench-store: the store's performance targets (issue 2), in release mode.
//
//   swift build -c release --static-swift-stdlib --product darkroom && swift build -c release --static-swift-stdlib --product darkroom-bench-store
//   .build/release/darkroom-bench-store [--rows 100000] [--keep PATH] [--queue-only]
//
// Builds a library of N generations, each with an image row and tags, then measures:
//   1. inserting the N generation records (one process, one transaction per 10k rows), after their image rows;
//   2. the list-page query (50 newest) and full-text searches, p50/p99 over many runs, with their plans;
//   2b. `Library.observe`: its first page, and how soon a commit is re-yielded (this process, another process);
//   3. `darkroom list --limit 50` and `darkroom list WORD` as whole commands (process start included),
//      against `sqlite3 LIBRARY.sqlite 'select …'` for the same page, as a ratio.
import Darkroom
import DarkroomImaging
import DarkroomStore
import Foundation
import GRDB

struct Options {
    var rows = 100_000
    var keep: String?
    var queueOnly = false
    init() {
        var args = CommandLine.arguments.dropFirst().makeIterator()
        while let arg = args.next() {
            switch arg {
            case "--rows": rows = Int(args.next() ?? "") ?? rows
            case "--keep": keep = args.next()
            case "--queue-only": queueOnly = true
            default: print("unknown argument \(arg)"); exit(64)
            }
        }
    }
}

func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

func percentiles(_ samples: [Double]) -> (p50: Double, p99: Double) {
    let sorted = samples.sorted()
    return (sorted[sorted.count / 2], sorted[min(sorted.count - 1, Int(Double(sorted.count) * 0.99))])
}

func ms(_ s: Double) -> String { String(format: "%.2f ms", s * 1000) }

let options = Options()
if options.queueOnly {
    try await measureQueueOverhead()
    exit(0)
}
let folder = URL(fileURLWithPath: options.keep ?? NSTemporaryDirectory() + "darkroom-bench-\(UUID().uuidString)")
try? FileManager.default.removeItem(at: folder)
let library = try await Library.open(at: folder, create: true)
// The store itself, opened beside the library, for seeding rows and timing raw queries.
let database = try LibraryDatabase.open(folder: folder)

// Deterministic, varied prompts so full-text search has realistic selectivity.
let colours = ["red", "blue", "green", "yellow", "purple", "orange", "black", "white", "pink", "teal"]
let shapes = ["circle", "square", "triangle", "star", "ring", "lighthouse", "heron", "garden", "castle", "forest"]
let styles = ["oil painting", "watercolour", "photo", "sketch", "pixel art", "3d render", "ink drawing", "poster"]
func prompt(_ i: Int) -> String {
    "a \(colours[i % 10]) \(shapes[(i / 10) % 10]) \(styles[(i / 100) % 8]) number\(i % 997)"
}

print("Darkroom store benchmark — \(options.rows) generations, \(ProcessInfo.processInfo.processorCount) cores, \(Date())")

// 1. Inserts. The inputs (content hashes, prompt texts) are made first, outside the timed part:
// they stand for what a generator or an import hands the store. Content hashes are spread like
// real SHA-256 values (splitmix64 words), so the image key index sees random inserts.
func splitmix(_ x: UInt64) -> UInt64 {
    var z = x &+ 0x9E37_79B9_7F4A_7C15
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
}
let hashes = (0..<options.rows).map { i -> String in
    (0..<4).map { word -> String in
        let hex = String(splitmix(UInt64(i) &* 4 &+ UInt64(word)), radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }.joined()
}
let prompts = (0..<options.rows).map(prompt)
let base = Date(timeIntervalSince1970: 1_790_000_000)
let batch = 10_000

/// Runs `body` for every row index in write transactions of `batch` rows; returns the seconds taken.
func insertInBatches(_ body: @escaping @Sendable (Database, Int) throws -> Void) throws -> Double {
    let start = now()
    for first in stride(from: 0, to: options.rows, by: batch) {
        try database.write { db in
            for i in first..<min(options.rows, first + batch) { try body(db, i) }
        }
    }
    return now() - start
}

// The picture rows first (a generation references its image), then the generation records: the
// issue's target is the second figure.
let imageSeconds = try insertInBatches { db, i in
    let created = TimestampFormat.database(base.addingTimeInterval(Double(i)))
    let hash = hashes[i]
    try db.cachedStatement(sql: """
        INSERT INTO image (hash, id, path, width, height, byte_size, format, thumbnail_path, created_at, modified_at)
        VALUES (?, ?, ?, 64, 64, 9000, 'png', ?, ?, ?)
        """).execute(arguments: [hash, StableID.make(), ImageFileStore.imagePath(hash: hash),
                                 ImageFileStore.thumbnailPath(hash: hash), created, created])
}
func record(_ i: Int) -> GenerationRecord {
    var row = GenerationRecord.make(source: .generate, status: .succeeded, now: base.addingTimeInterval(Double(i)))
    row.prompt = prompts[i]
    row.negativePrompt = i % 3 == 0 ? "blurry" : ""
    row.seed = Int64(i)
    row.steps = 8
    row.guidance = 4
    row.scheduler = "dpmpp-2m"
    row.width = 64
    row.height = 64
    row.modelID = i % 4 == 0 ? "tiny-sd" : "darkroom-shapes-v1"
    row.imageHash = hashes[i]
    row.favorite = i % 50 == 0
    return row
}
// The store's batch insert (GenerationRecord.insertAll), 10,000 records per transaction.
let generationStart = now()
for first in stride(from: 0, to: options.rows, by: batch) {
    try database.write { db in
        try GenerationRecord.insertAll((first..<min(options.rows, first + batch)).map(record), db)
    }
}
let generationSeconds = now() - generationStart
print("insert \(options.rows) generation records (row, full-text entry, change-log gate), 10,000 per transaction: \(String(format: "%.2f s", generationSeconds))  (target < 5 s)")
print("insert their \(options.rows) image rows first: \(String(format: "%.2f s", imageSeconds)); both: \(String(format: "%.2f s", imageSeconds + generationSeconds))")

// 2. Queries.
func measure(_ name: String, _ query: GalleryQuery, runs: Int = 300) throws {
    _ = try database.read { db in try query.fetchItems(db) }  // warm
    var samples: [Double] = []
    var count = 0
    for _ in 0..<runs {
        let t = now()
        count = try database.read { db in try query.fetchItems(db) }.count
        samples.append(now() - t)
    }
    let (p50, p99) = percentiles(samples)
    // The plans of the statements one fetch runs (traced, so a broad search shows its window queries).
    let plan = try database.read { db -> String in
        final class Statements: @unchecked Sendable { var sql: [String] = [] }
        let traced = Statements()
        db.trace(options: .statement) { event in
            if case .statement(let statement) = event, statement.expandedSQL.hasPrefix("SELECT") { traced.sql.append(statement.expandedSQL) }
        }
        _ = try query.fetchGenerations(db)
        db.trace(options: [])
        return try traced.sql.map { sql in
            "      \(sql.prefix(90).replacingOccurrences(of: "\n", with: " "))…\n" + (try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql)
                .map { "        " + ($0["detail"] as String) }.joined(separator: "\n"))
        }.joined(separator: "\n")
    }
    print("query \(name): \(count) rows, p50 \(ms(p50)), p99 \(ms(p99))  (target p99 < 5 ms)\n    plan:\n\(plan)")
}
try measure("page (50 newest, with tags/albums/images)", GalleryQuery(limit: 50))
try measure("search 'heron' (1 in 10 rows match)", GalleryQuery(text: "heron", limit: 50))
try measure("search 'purple castle watercolour'", GalleryQuery(text: "purple castle watercolour", limit: 50))
try measure("search 'number42' (rare)", GalleryQuery(text: "number42", limit: 50))
var favourites = GalleryQuery(limit: 50); favourites.favoritesOnly = true
try measure("favourites page", favourites)
try measure("field terms 'seed:4242'", GalleryQuery.parse(search: "seed:4242", into: GalleryQuery(limit: 50)))

// 2b. Observation (issue 25): the first page of `observe`, and how soon a commit is seen, made through this
//     library (GRDB's ValueObservation) and through another opening of the folder (as another process
//     would: only the `PRAGMA data_version` poll sees it).
func measureObservation() async throws {
    var firstPage: [Double] = []
    for _ in 0..<50 {
        let t = now()
        for try await _ in library.observe(GalleryQuery(limit: 50)) { break }
        firstPage.append(now() - t)
    }
    let first = percentiles(firstPage)
    print("observe: first page (50 newest): p50 \(ms(first.p50)), p99 \(ms(first.p99))  (target < 5 ms query, < 50 ms whole)")
    let newest = try await library.items(GalleryQuery(limit: 1))[0].id
    let other = try await Library.open(at: folder, create: false)
    for (name, writer) in [("this library", library), ("another opening of the folder (another process)", other)] {
        var samples: [Double] = []
        var iterator = library.observe(GalleryQuery(limit: 50)).makeAsyncIterator()
        _ = try await iterator.next()
        for round in 0..<30 {
            let t = now()
            _ = try await writer.setFavorite([newest], round % 2 == 0)
            _ = try await iterator.next()
            samples.append(now() - t)
        }
        let (p50, p99) = percentiles(samples)
        print("observe: a favourite committed through \(name) to the page re-yielded: p50 \(ms(p50)), p99 \(ms(p99))  (target: this library < 50 ms; another process < 1 s, poll every 250 ms)")
    }
}
try await measureObservation()

// 2c. Opening a library of N generations (issue 25: < 300 ms at 1,000,000): migrations checked, the open-time
//     recovery and the trash purge's read, the identity row; a new `Library` each time, in this process.
func measureOpen() async throws {
    var samples: [Double] = []
    for _ in 0..<30 {
        let t = now()
        _ = try await Library.open(at: folder, create: false)
        samples.append(now() - t)
    }
    let (p50, p99) = percentiles(samples)
    print("Library.open of \(options.rows) generations: p50 \(ms(p50)), p99 \(ms(p99))  (target < 300 ms at 1,000,000)")
}
try await measureOpen()

// 3. Whole commands.
let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("darkroom")
/// Wall time of whole commands, spawned with posix_spawn and reaped with waitpid (Foundation's Process adds
/// tens of milliseconds of its own on Linux), output sent to /dev/null.
func timeCommand(_ executable: String, _ arguments: [String], runs: Int = 20) -> (p50: Double, p99: Double) {
    var samples: [Double] = []
    for _ in 0..<runs {
        var actions: posix_spawn_file_actions_t = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let t = now()
        guard posix_spawn(&pid, executable, &actions, nil, argv, environ) == 0 else { print("    cannot run \(executable)"); break }
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        samples.append(now() - t)
        posix_spawn_file_actions_destroy(&actions)
        if status != 0 { print("    (\(executable) exited with status \(status))") }
    }
    return percentiles(samples)
}
if FileManager.default.isExecutableFile(atPath: binary.path) {
    let list = timeCommand(binary.path, ["list", "--limit", "50", "--library", folder.path])
    let search = timeCommand(binary.path, ["list", "heron", "--limit", "50", "--library", folder.path])
    let json = timeCommand(binary.path, ["list", "--limit", "50", "--json", "--library", folder.path])
    print("command `darkroom list --limit 50`: p50 \(ms(list.p50)), p99 \(ms(list.p99))  (target < 50 ms)")
    print("command `darkroom list heron --limit 50`: p50 \(ms(search.p50)), p99 \(ms(search.p99))  (target < 50 ms)")
    print("command `darkroom list --limit 50 --json`: p50 \(ms(json.p50)), p99 \(ms(json.p99))")
    let sqlite = ["/usr/bin/sqlite3", "/bin/sqlite3"].first { FileManager.default.isExecutableFile(atPath: $0) }
    if let sqlite {
        let peer = timeCommand(sqlite, [folder.appendingPathComponent("library.sqlite").path, """
            SELECT g.id, g.status, g.favorite, g.rating, g.seed, g.width, g.height, g.created_at, g.prompt
            FROM generation g WHERE g.trashed_at IS NULL ORDER BY g.created_at DESC, g.id DESC LIMIT 50
            """])
        print("peer `sqlite3 library.sqlite 'select … limit 50'`: p50 \(ms(peer.p50))")
        print(String(format: "ratio darkroom list / sqlite3 (p50): %.2fx", list.p50 / peer.p50))
    } else {
        print("peer sqlite3 not installed: skipped")
    }
} else {
    print("darkroom binary not found beside this benchmark (\(binary.path)); build it with --product darkroom")
}
// 4. Queue overhead per job (issue 5): enqueue, claim and run with a generator that returns at once, commit
//    (picture written, thumbnail made, row finished). The generator is the benchmark's own: the product has none.
struct InstantGenerator: ImageGenerator {
    let modelID = "instant"
    func generate(_ request: GenerationRequest) -> AsyncThrowingStream<GeneratorEvent, any Error> {
        AsyncThrowingStream { continuation in
            let image = PixelImage(width: 8, height: 8, channels: 3, pixels: [UInt8](repeating: UInt8(truncatingIfNeeded: request.seed), count: 192))
            continuation.yield(.completed(GeneratedImage(image: image, modelID: modelID, modelHash: "0", engineVersion: "bench", rngKind: "none")))
            continuation.finish()
        }
    }
}
try await measureQueueOverhead()
if options.keep == nil { try? FileManager.default.removeItem(at: folder) }

/// Queue overhead per job: enqueue, claim, run the instant generator, commit; p50/p99 over 300 jobs, measured in
/// the steady state: after 1,000 untimed jobs, so the 256 shard folders of `images/` and `thumbnails/` exist (a
/// new library creates each on its first picture, a one-time cost of two `mkdir`s that would otherwise fall on
/// most of the first few hundred jobs).
func measureQueueOverhead() async throws {
    let queueFolder = URL(fileURLWithPath: NSTemporaryDirectory() + "darkroom-queue-bench-\(UUID().uuidString)")
    let queueLibrary = try await Library.open(at: queueFolder, create: true)
    try await queueLibrary.setSafetyEnabled(true)
    var jobSamples: [Double] = []
    for seed in 0..<1_300 {
        let t = now()
        let request = GenerationRequest(prompt: "queue bench", seed: UInt64(seed), steps: 1, guidance: 1, scheduler: .ddim, width: 8, height: 8)
        _ = try await queueLibrary.enqueue(request, modelID: "instant", modelPath: nil)
        _ = try await queueLibrary.runQueuedJob(using: InstantGenerator()) { _ in }
        if seed >= 1_000 { jobSamples.append(now() - t) }
    }
    let (jobP50, jobP99) = percentiles(jobSamples)
    print("queue overhead per job (enqueue + claim + run instant generator + PNG/thumbnail write + commit; steady state): p50 \(ms(jobP50)), p99 \(ms(jobP99))  (target < 5 ms)")
    try? FileManager.default.removeItem(at: queueFolder)
}
