import Darkroom
import DarkroomStore
import Foundation
import Testing

/// `Library.observe…`: the current value at once, then a new one after every committed change that
/// alters it, whoever made it (this library, a sync run, another connection to the same folder).
@Suite struct ObservationTests {
    /// Reads an observation's values one at a time, failing after `seconds` without one.
    final class Watcher<Value: Sendable>: @unchecked Sendable {
        private var iterator: AsyncThrowingStream<Value, any Error>.AsyncIterator
        init(_ stream: AsyncThrowingStream<Value, any Error>) { iterator = stream.makeAsyncIterator() }

        func next(within seconds: Double = 5) async throws -> Value {
            try await withThrowingTaskGroup(of: Value?.self) { group in
                group.addTask { [self] in try await self.iterator.next() }
                group.addTask { try await Task.sleep(for: .seconds(seconds)); return nil }
                defer { group.cancelAll() }
                guard let value = try await group.next() ?? nil else { throw ObservationTimeout() }
                return value
            }
        }
    }
    struct ObservationTimeout: Error {}

    func picture(_ name: String) -> URL { fixturesFolder.appendingPathComponent("png/\(name).png") }

    /// Imports a fixture picture into `library` and returns the new item's id.
    func add(_ name: String, to library: Library) async throws -> GenerationID {
        guard case .imported(_, let id, _) = try await library.importImage(at: picture(name)) else { throw ObservationTimeout() }
        return id
    }

    @Test func aPageIsYieldedAtOnceAndAfterEveryChangeToIt() async throws {
        let temp = TemporaryLibrary(); defer { temp.cleanup() }
        let library = try await temp.open()
        let page = Watcher(library.observe(GalleryQuery(limit: 10)))
        #expect(try await page.next().isEmpty)

        let first = try await add("sample-rings", to: library)
        #expect(try await page.next().map(\.id) == [first])
        try await library.setFavorite([first], true)
        #expect(try await page.next().first?.generation.favorite == true)
        try await library.addTags(["kept"], to: [first])
        #expect(try await page.next().first?.tags == ["kept"])
        try await library.rate([first], 4)
        #expect(try await page.next().first?.generation.rating == 4)
        try await library.addToAlbum(library.createAlbum("Best").id, [first])
        #expect(try await page.next().first?.albums == ["Best"])
        try await library.trash([first])
        #expect(try await page.next().isEmpty)
        _ = try await library.restore([first])
        #expect(try await page.next().map(\.id) == [first])
    }

    @Test func aChangeOutsideThePageYieldsNothing() async throws {
        let temp = TemporaryLibrary(); defer { temp.cleanup() }
        let library = try await temp.open()
        let kept = try await add("sample-rings", to: library)
        var favourites = GalleryQuery(limit: 10); favourites.favoritesOnly = true
        let page = Watcher(library.observe(favourites))
        #expect(try await page.next().isEmpty)
        _ = try await add("sample-sphere", to: library)   // not a favourite: the page is unchanged
        try await library.setFavorite([kept], true)
        #expect(try await page.next().map(\.id) == [kept])   // the next value is the favourite's, not a repeat
    }

    @Test func commitsThroughAnotherConnectionAreSeen() async throws {
        let temp = TemporaryLibrary(); defer { temp.cleanup() }
        let library = try await temp.open()
        let page = Watcher(library.observe(GalleryQuery(limit: 10)))
        #expect(try await page.next().isEmpty)
        // A second opening of the folder has its own connections, as another process would.
        let other = try await Library.open(at: temp.url, create: false)
        let id = try await add("sample-rings", to: other)
        #expect(try await page.next().map(\.id) == [id])
        try await other.setFavorite([id], true)
        #expect(try await page.next().first?.generation.favorite == true)
    }

    @Test func oneItemAndTheStatisticsAreObserved() async throws {
        let temp = TemporaryLibrary(); defer { temp.cleanup() }
        let library = try await temp.open()
        let id = try await add("sample-rings", to: library)
        let item = Watcher(library.observeItem(id: id))
        let statistics = Watcher(library.observeStatistics())
        #expect(try await item.next()?.generation.favorite == false)
        #expect(try await statistics.next().favorites == 0)
        try await library.setFavorite([id], true)
        #expect(try await item.next()?.generation.favorite == true)
        #expect(try await statistics.next().favorites == 1)
        let missing = Watcher(library.observeItem(id: GenerationID(UUID().uuidString.lowercased())))
        #expect(try await missing.next() == nil)
    }

    @Test func aSyncRunsChangesAreSeen() async throws {
        let world = try await SyncWorld(devices: 2)
        defer { world.cleanup() }
        let (a, b) = (world.libraries[0], world.libraries[1])
        try world.expectClean(try await world.syncs[1].run())
        let page = Watcher(b.observe(GalleryQuery(limit: 10)))
        #expect(try await page.next().isEmpty)
        let id = try await add("sample-rings", to: a)
        try await a.setFavorite([id], true)
        try world.expectClean(try await world.syncs[0].run())
        try world.expectClean(try await world.syncs[1].run())
        var seen = try await page.next()
        while seen.first?.generation.favorite != true { seen = try await page.next() }   // the row, then its favourite
        #expect(seen.map(\.id) == [id])
    }

    @Test func leavingTheLoopEndsTheObservation() async throws {
        let temp = TemporaryLibrary(); defer { temp.cleanup() }
        let library = try await temp.open()
        var values = 0
        for try await _ in library.observe(GalleryQuery(limit: 1)) {
            values += 1
            break
        }
        #expect(values == 1)
        _ = try await add("sample-rings", to: library)   // nothing left observing: no crash, no leak
    }
}
