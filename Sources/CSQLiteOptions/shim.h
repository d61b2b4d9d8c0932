#include <sqlite3.h>

/* sqlite3_db_config is variadic, which Swift cannot call: one fixed-argument wrapper per option used. */

/* SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE: when `on` is 1, closing the last connection leaves the write-ahead
   log in place instead of checkpointing it into the database file and deleting it. */
static inline int darkroom_sqlite3_no_checkpoint_on_close(sqlite3 *db, int on) {
    return sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, on, (int *)0);
}
