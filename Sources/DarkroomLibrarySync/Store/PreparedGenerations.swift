import DarkroomStore
import Foundation
import GRDB

/// The whole new generations (`*` changes) of one batch of received changes, laid out as the
/// rows ``SyncChangeApplier`` inserts in bulk: the part of applying that needs no database.
///
/// A first sync inserts 100,000 generations on the single writer connection. Reading each
/// change's values by column name, deriving its prompt-history fields and making its ids took
/// about a second of that writer's time; ``init(_:syncedColumns:)`` does it beforehand, off
/// the writer (``SyncChangeApplier/apply(_:prepared:fromLog:sequence:_:)`` takes the result),
/// while the writer inserts the previous batch. What depends on the library (whether a key is
/// tombstoned or present, whether a picture or a parent is stored) is still decided on the
/// writer, inside the transaction.
public struct PreparedGenerations: Sendable {
    /// One generation to insert: the change it comes from and its values in insert order.
    struct Row: Sendable {
        /// The change's index in its batch.
        var index: Int
        /// The generation's id.
        var key: String
        /// The picture the generation shows, if any.
        var imageHash: String?
        /// The generation's parent, if any.
        var parentID: String?
        /// The generation columns the change carries, in the order of ``PreparedGenerations/syncedColumns``.
        var columns: [String]
        /// The staging values: ``stagingPrefix`` values (prompt use time, prompt, negative prompt,
        /// new prompt id, clock, device), then one value per entry of `columns`. Rows of the batch
        /// with the same prompt and negative prompt carry the same new prompt id: when none of
        /// the batch's prompts is in the library yet, it is the id their prompt row gets.
        var values: [DatabaseValue]
        /// The position in `values` of the parent id, when `columns` holds `parent_id`.
        var parentSlot: Int?
    }

    /// A prompt with its negative prompt: one row of the prompt history.
    private struct PromptKey: Hashable { var text: String; var negativeText: String }

    /// The staging values that precede a row's columns (see ``Row/values``).
    static let stagingPrefix = 6
    /// The position of the new prompt id among a row's staging values.
    static let promptIDSlot = 3

    /// The generation columns that travel between devices, in schema order, the rows were laid out for.
    let syncedColumns: [String]
    /// The generations to insert, in batch order.
    let rows: [Row]

    /// Lays out the whole new generations among `changes` for the columns
    /// ``SyncChangeApplier/syncedGenerationColumns(_:)`` reads. A key the batch also deletes, and
    /// any but the first `*` change of a key, are left to the change-by-change path.
    public init(_ changes: [SyncChange], syncedColumns: [String]) {
        self.syncedColumns = syncedColumns
        var deletedKeys = Set<String>()
        for change in changes where change.entity == .generation && change.field == "-" { deletedKeys.insert(change.key) }
        var seen = Set<String>()
        var rows: [Row] = []
        var previousColumns: [String] = []
        // One new prompt id per distinct prompt of the batch (see `Row.values`).
        var promptIDs: [PromptKey: DatabaseValue] = [:]
        for (index, change) in changes.enumerated() where change.entity == .generation && change.field == "*" {
            guard !deletedKeys.contains(change.key), seen.insert(change.key).inserted else { continue }
            func string(_ column: String) -> String? { String.fromDatabaseValue(change.values[column] ?? .null) }
            let prompt = string("prompt") ?? ""
            let negative = string("negative_prompt") ?? ""
            var used = DatabaseValue.null
            var promptID = DatabaseValue.null
            if !prompt.isEmpty || !negative.isEmpty {
                // One use of the prompt, dated when the generation was made (as `PromptRecord.recordUse`).
                let date = string("created_at").flatMap(TimestampFormat.parseDatabase) ?? Date()
                used = TimestampFormat.database(date).databaseValue
                let key = PromptKey(text: prompt, negativeText: negative)
                if let id = promptIDs[key] { promptID = id } else {
                    promptID = StableID.make().databaseValue
                    promptIDs[key] = promptID
                }
            }
            // The columns this schema knows, as `insertGeneration` writes them: the change's values
            // (the picture's `image.*` columns and this device's own columns are not among the
            // synced columns) and the key as `id`.
            var columns: [String] = []
            var values: [DatabaseValue] = [used, prompt.databaseValue, negative.databaseValue, promptID,
                                           change.clock.rawValue.databaseValue, change.device.databaseValue]
            columns.reserveCapacity(syncedColumns.count)
            values.reserveCapacity(values.count + syncedColumns.count)
            var parentSlot: Int?
            for column in syncedColumns {
                if column == "id" {
                    columns.append(column)
                    values.append(change.key.databaseValue)
                } else if let value = change.values[column] {
                    if column == "parent_id" { parentSlot = values.count }
                    columns.append(column)
                    values.append(value)
                }
            }
            // Rows of one envelope nearly always carry the same columns: share one array.
            if columns == previousColumns { columns = previousColumns } else { previousColumns = columns }
            rows.append(Row(index: index, key: change.key, imageHash: string("image_hash"), parentID: string("parent_id"),
                            columns: columns, values: values, parentSlot: parentSlot))
        }
        self.rows = rows
    }
}
