import Foundation
import GRDB

/// A page of the gallery: filters, order (newest first) and paging.
///
/// Every filter is optional and they combine with AND. ``text`` is a search
/// over prompt, negative prompt, tag and album names (FTS5); it may also hold
/// field terms, parsed by ``parse(search:)``:
///
/// | term | meaning |
/// |---|---|
/// | `seed:42` | exact seed (0 to 18446744073709551615) |
/// | `steps:8`, `steps>4`, `steps<=20` | step count comparison |
/// | `model:NAME` | model id or model-hash prefix |
/// | `tag:NAME`, `album:NAME` | membership |
/// | `rating>=3` | rating comparison |
/// | `scheduler:ddim` | scheduler name (any case: `scheduler:DDIM`) |
/// | `status:failed` | job status |
/// | `credentials:ai` | what the picture's Content Credentials say: `ai` (made by a generative model), `none`, `invalid`, `valid`, `untrusted`, `signed` |
/// | `album:"Best of"` | a value with spaces, in double quotes |
/// | `"red circle"` | a phrase: the words in this order |
/// | `-snow`, `-"red circle"` | excluded: no result holds the word or phrase |
///
/// ``checkedParse(search:into:)`` refuses an unknown field (`foo:bar`) or a bad value (`seed:abc`) with a
/// ``SearchTermError``; ``parse(search:into:)`` searches for such a term as words.
///
/// ```swift
/// let page = try database.read { db in
///     try GalleryQuery(text: "red circle seed:7", limit: 50).fetchItems(db)
/// }
/// ```
public struct GalleryQuery: Sendable, Equatable {
    /// A numeric comparison in a field term.
    public enum Comparison: String, Sendable, Equatable { case equal = "=", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">=" }

    /// A numeric field compared with a value (`steps>4`).
    public struct NumberFilter: Sendable, Equatable {
        /// How the column compares with ``value``.
        public var comparison: Comparison
        /// The value compared with.
        public var value: Int
        /// A filter `column comparison value`.
        public init(_ comparison: Comparison, _ value: Int) { self.comparison = comparison; self.value = value }

        func sql(column: String) -> SQL { SQL(sql: "\(column) \(comparison.rawValue) ?", arguments: [value]) }
    }

    /// Words searched in prompts, tags and albums (all must match; a trailing `*` matches a prefix; words in
    /// double quotes match as a phrase).
    public var text: String?
    /// Words or quoted phrases none of the results may hold (`-snow` in a search).
    public var excludedText: [String] = []
    /// Only favourites.
    public var favoritesOnly = false
    /// Only members of this album (name, case-insensitive).
    public var album: String?
    /// Only generations with this tag (name, case-insensitive).
    public var tag: String?
    /// Model id, or a prefix of the model hash.
    public var model: String?
    /// Exact seed, as the `seed` column stores it: the unsigned seed's bit pattern (``storedSeed(_:)``).
    public var seed: Int64?
    /// Step count comparison (`steps>4`).
    public var steps: NumberFilter?
    /// Rating comparison (`rating>=3`).
    public var rating: NumberFilter?
    /// Scheduler name (case-insensitive).
    public var scheduler: String?
    /// Only these statuses (all when empty).
    public var statuses: [GenerationRecord.Status] = []
    /// Only pictures whose Content Credentials say this.
    public var credentials: CredentialsFilter?
    /// Only rows created at or after this date.
    public var since: Date?
    /// Only the generations in the trash (instead of only the live ones).
    public var trashed = false
    /// Also show generations with an active safety flag (hidden by default).
    public var includeFlagged = false
    /// Only generations with an active safety flag.
    public var flaggedOnly = false
    /// Only this lineage: the generation and all its descendants.
    public var lineageRoot: GenerationID?
    /// Page size (nil: everything).
    public var limit: Int?
    /// Rows skipped before the page.
    public var offset = 0

    /// A query for the newest `limit` live generations, optionally searching `text`.
    public init(text: String? = nil, limit: Int? = nil, offset: Int = 0) {
        self.offset = offset
        self.limit = limit
        if let text { self = Self.parse(search: text, into: self) }
    }

    /// The WHERE clause for the filters (without ORDER BY or LIMIT), over `generation g`.
    ///
    /// - Parameters:
    ///   - includeText: false leaves the full-text condition out (the other filters only).
    ///   - textAmong: a query of the only rowids the rows can have (the flagged ones, say): the full-text matches are
    ///     then materialised among those alone, not all of them (a common word matches 100,000 rows of a million).
    func whereClause(includeText: Bool = true, textAmong: SQL? = nil) -> SQL {
        var clauses: [SQL] = [trashed ? "g.trashed_at IS NOT NULL" : "g.trashed_at IS NULL"]
        // `+rowid` keeps the candidates out of FTS5's index constraints, where each would be a search of its own.
        let among: SQL = textAmong.map { " AND +rowid IN (\($0))" } ?? ""
        if includeText, let text, let pattern = Self.ftsPattern(text) {
            // Materialised once; with `walkIndex` SQLite checks membership row by row along the newest-first index.
            clauses.append("g.rowid IN (SELECT rowid FROM generation_search WHERE generation_search MATCH \(pattern)\(among))")
        }
        if let pattern = Self.ftsPattern(anyOf: excludedText) {
            clauses.append("g.rowid NOT IN (SELECT rowid FROM generation_search WHERE generation_search MATCH \(pattern)\(among))")
        }
        if favoritesOnly { clauses.append("g.favorite = 1") }
        let flagged: SQL = "EXISTS (SELECT 1 FROM safety_flag f WHERE f.generation_id = g.id AND f.cleared_at IS NULL)"
        if flaggedOnly {
            clauses.append(flagged)
        } else if !includeFlagged {
            clauses.append("NOT \(flagged)")
        }
        if let album {
            clauses.append("""
                EXISTS (SELECT 1 FROM album_item ai JOIN album a ON a.id = ai.album_id
                        WHERE ai.generation_id = g.id AND a.name = \(album))
                """)
        }
        if let tag {
            clauses.append("""
                EXISTS (SELECT 1 FROM generation_tag gt JOIN tag t ON t.id = gt.tag_id
                        WHERE gt.generation_id = g.id AND t.name = \(tag))
                """)
        }
        if let model {
            let upper = model.lowercased() + "\u{7f}"
            clauses.append("(g.model_id = \(model) OR (g.model_hash >= \(model.lowercased()) AND g.model_hash < \(upper)))")
        }
        if let seed { clauses.append("g.seed = \(seed)") }
        if let steps { clauses.append(steps.sql(column: "g.steps")) }
        if let rating { clauses.append(rating.sql(column: "g.rating")) }
        if let scheduler { clauses.append("g.scheduler = \(scheduler) COLLATE NOCASE") }
        if !statuses.isEmpty { clauses.append("g.status IN \(statuses.map(\.rawValue))") }
        if let credentials { clauses.append(credentials.sql) }
        if let since { clauses.append("g.created_at >= \(since)") }
        if let lineageRoot {
            clauses.append("""
                g.id IN (WITH RECURSIVE lineage(id) AS (SELECT \(lineageRoot)
                         UNION SELECT c.id FROM generation c JOIN lineage l ON c.parent_id = l.id)
                         SELECT id FROM lineage)
                """)
        }
        return clauses.joined(separator: " AND ")
    }

    /// Above this many full-text matches, a page is read by walking the gallery index newest-first
    /// and keeping matching rows (stopping after one page), instead of sorting every match.
    public static let indexWalkThreshold = 1000

    /// The request for the page's generation rows, newest first.
    ///
    /// - Parameter walkIndex: read the page by scanning the newest-first gallery index (good when the
    ///   filters match many rows) rather than letting SQLite collect every match and sort it.
    public func request(walkIndex: Bool = false) -> SQLRequest<GenerationRecord> {
        let index = favoritesOnly ? "generation_favorite_created" : "generation_live_created"
        let from: SQL = walkIndex && !trashed ? SQL(sql: "generation g INDEXED BY \(index)") : "generation g"
        return pageRequest(from: from, where: whereClause())
    }

    /// The request for the page among the given rows (the full-text matches, read once): the text
    /// condition becomes a rowid list, and every other filter applies as usual.
    func request(amongRowids rowids: [Int64]) -> SQLRequest<GenerationRecord> {
        let list = "[" + rowids.map(String.init).joined(separator: ",") + "]"
        return pageRequest(from: "generation g",
                           where: "g.rowid IN (SELECT value FROM json_each(\(list))) AND \(whereClause(includeText: false))")
    }

    /// `SELECT g.* FROM <from> WHERE <condition>` in gallery order, paged.
    private func pageRequest(from: SQL, where condition: SQL) -> SQLRequest<GenerationRecord> {
        let order: SQL = trashed ? "g.trashed_at DESC, g.id DESC" : "g.created_at DESC, g.id DESC"
        var sql: SQL = "SELECT g.* FROM \(from) WHERE \(condition) ORDER BY \(order)"
        if let limit { sql.append(literal: " LIMIT \(limit) OFFSET \(offset)") }
        else if offset > 0 { sql.append(literal: " LIMIT -1 OFFSET \(offset)") }
        return SQLRequest(literal: sql, cached: true)   // one prepared statement per query shape
    }

    /// The page's generation rows.
    ///
    /// A paged text search reads its full-text matches once, up to ``indexWalkThreshold`` + 1 rowids.
    /// When there are no more than ``indexWalkThreshold`` of them, the page is read among those rows.
    /// Otherwise the search is broad: its page is looked for among the newest rows
    /// (``fetchFromRecentWindow(_:)``), and failing that read by walking the gallery index.
    public func fetchGenerations(_ db: Database) throws -> [GenerationRecord] {
        guard searchesText else { return try request().fetchAll(db) }
        let matches = try matchingRowids(db)
        if matches.count <= Self.indexWalkThreshold { return try request(amongRowids: matches).fetchAll(db) }
        return try fetchFromRecentWindow(db) ?? request(walkIndex: true).fetchAll(db)
    }

    /// True for a paged text search whose other filters are not more selective than the text (no seed, no lineage).
    var searchesText: Bool {
        text.flatMap(Self.ftsPattern) != nil && limit != nil && !trashed && seed == nil && lineageRoot == nil
    }

    /// The rowids of the first ``indexWalkThreshold`` + 1 full-text matches (empty without a text search).
    func matchingRowids(_ db: Database) throws -> [Int64] {
        guard let pattern = text.flatMap(Self.ftsPattern) else { return [] }
        return try Int64.fetchAll(db.cachedStatement(sql: """
            SELECT rowid FROM generation_search WHERE generation_search MATCH ? LIMIT ?
            """), arguments: [pattern, Self.indexWalkThreshold + 1])
    }

    /// Rows, newest first, that a broad text search looks for its page among before searching everything.
    static let recentWindow = 1000

    /// A page of a broad text search read from among the newest rows, or nil when they do not hold
    /// a whole page (the caller then searches everything).
    ///
    /// A word in one prompt of ten matches ten thousand rows of a 100k library; walking the gallery
    /// index needs every match's rowid as a set first, about a millisecond. The page lies among the
    /// newest rows: take the newest ``recentWindow`` rows of the gallery index (live rows, or live
    /// favourites), note their rowid range and the last of them in the gallery's order, ask the
    /// full-text index only for matches within that rowid range (FTS5 seeks straight to it), and
    /// apply every filter to those. Exact: every row outside the window comes after every row inside
    /// it, so when the page is full and its last row is not after the window's last, every row of
    /// the page is in the window and no row outside could be on it (nor when the window is all there
    /// is). Rows are usually inserted in time order, so the rowid range is narrow; when it is not,
    /// this is only slower.
    func fetchFromRecentWindow(_ db: Database) throws -> [GenerationRecord]? {
        guard let limit, let pattern = text.flatMap(Self.ftsPattern), !trashed else { return nil }
        let window = max(Self.recentWindow, 4 * (offset + limit))
        let (index, condition): (String, SQL) = favoritesOnly
            ? ("generation_favorite_created", "g.trashed_at IS NULL AND g.favorite = 1")
            : ("generation_live_created", "g.trashed_at IS NULL")
        let newest: SQL = "FROM \(sql: "generation g INDEXED BY \(index)") WHERE \(condition) ORDER BY g.created_at DESC, g.id DESC"
        guard let bounds = try Row.fetchOne(db, SQLRequest<Row>(literal: """
                SELECT min(rid) AS low, max(rid) AS high, count(*) AS n FROM (SELECT g.rowid AS rid \(newest) LIMIT \(window))
                """, cached: true)),
              let low = bounds["low"] as Int64?, let high = bounds["high"] as Int64? else {
            return []   // no live rows at all
        }
        let rows = try SQLRequest<GenerationRecord>(literal: """
            SELECT g.* FROM generation g
            WHERE g.rowid IN (SELECT rowid FROM generation_search WHERE generation_search MATCH \(pattern) AND rowid BETWEEN \(low) AND \(high))
              AND \(whereClause(includeText: false))
            ORDER BY g.created_at DESC, g.id DESC LIMIT \(limit) OFFSET \(offset)
            """, cached: true).fetchAll(db)
        if (bounds["n"] as Int) < window { return rows }   // the window is every live row
        guard rows.count == limit, let final = rows.last else { return nil }
        // The window's last row in gallery order; `created_at` has a fixed width, so this text orders as
        // (created_at, id) does.
        guard let last = try String.fetchOne(db, SQLRequest<String>(literal: """
            SELECT g.created_at || ' ' || g.id \(newest) LIMIT 1 OFFSET \(window - 1)
            """, cached: true)) else { return nil }
        return TimestampFormat.database(final.createdAt) + " " + final.id.rawValue >= last ? rows : nil
    }

    /// True when the text search matches more than ``indexWalkThreshold`` rows and nothing more selective is set.
    public func prefersIndexWalk(_ db: Database) throws -> Bool {
        try searchesText && matchingRowids(db).count > Self.indexWalkThreshold
    }

    /// The page's gallery items (with images, tags, albums).
    public func fetchItems(_ db: Database) throws -> [GalleryItem] {
        try GalleryItem.load(fetchGenerations(db), db)
    }

    /// How many rows the filters would show but an active safety flag hides (ignoring paging); 0 when the
    /// query already shows flagged rows. Reads from the active flags (a partial index), so it costs little
    /// when few rows are flagged.
    public func fetchHiddenCount(_ db: Database) throws -> Int {
        guard !includeFlagged, !flaggedOnly else { return 0 }
        var hidden = self
        hidden.flaggedOnly = true
        let flaggedRowids: SQL = "SELECT f.rowid FROM generation f WHERE f.id IN (SELECT generation_id FROM safety_flag WHERE cleared_at IS NULL)"
        return try Int.fetchOne(db, SQLRequest<Int>(literal: """
            SELECT count(*) FROM generation g
            WHERE g.id IN (SELECT generation_id FROM safety_flag WHERE cleared_at IS NULL) AND \(hidden.whereClause(textAmong: flaggedRowids))
            """)) ?? 0
    }

    /// How many rows match the filters (ignoring paging).
    public func fetchCount(_ db: Database) throws -> Int {
        try Int.fetchOne(db, SQLRequest<Int>(literal: "SELECT count(*) FROM generation g WHERE \(whereClause())")) ?? 0
    }
}
