import SQLiteStore

/// The database schema, versioned with `PRAGMA user_version`. Each migration
/// runs once, in one transaction, in order.
public enum Schema {
    static let migrations: [String] = [
        // 1: the end-to-end path.
        """
        CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE profiles(name TEXT PRIMARY KEY, json BLOB NOT NULL);
        CREATE TABLE devices(
            id TEXT PRIMARY KEY,
            profile TEXT NOT NULL REFERENCES profiles(name),
            status TEXT NOT NULL CHECK (status IN ('enrolled', 'revoked')),
            enrolled_at INTEGER NOT NULL,
            revoked_at INTEGER,
            patient TEXT,
            last_seen INTEGER
        );
        -- One row per accepted reading; leaf_index is its position in the Merkle log,
        -- leaf its canonical encoding (docs/encoding.md).
        CREATE TABLE readings(
            leaf_index INTEGER PRIMARY KEY,
            device TEXT NOT NULL,
            boot INTEGER NOT NULL,
            seq INTEGER NOT NULL,
            ts INTEGER NOT NULL,
            received_at INTEGER NOT NULL,
            leaf BLOB NOT NULL,
            UNIQUE (device, boot, seq)
        );
        -- Perfect subtree hashes of the log (docs/architecture.md): (level, idx) covers
        -- leaves [idx << level, (idx + 1) << level).
        CREATE TABLE merkle_nodes(
            level INTEGER NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL,
            PRIMARY KEY (level, idx)
        ) WITHOUT ROWID;
        -- The bounded record of rejected messages (never their payload) and the
        -- counts, which survive pruning of the record.
        CREATE TABLE rejections(
            id INTEGER PRIMARY KEY,
            received_at INTEGER NOT NULL,
            topic TEXT NOT NULL,
            device TEXT,
            reason TEXT NOT NULL,
            detail TEXT NOT NULL
        );
        CREATE TABLE rejection_counts(reason TEXT PRIMARY KEY, count INTEGER NOT NULL);
        CREATE TABLE checkpoints(
            tree_size INTEGER PRIMARY KEY,
            root BLOB NOT NULL,
            note TEXT NOT NULL,
            created_at INTEGER NOT NULL
        );
        -- Anchor lifecycle: signed (raw tx kept before broadcast), broadcast, confirmed.
        CREATE TABLE anchors(
            id INTEGER PRIMARY KEY,
            tree_size INTEGER NOT NULL REFERENCES checkpoints(tree_size),
            payload BLOB NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('signed', 'broadcast', 'confirmed')),
            txid TEXT NOT NULL,
            raw_tx BLOB NOT NULL,
            block_hash TEXT,
            block_height INTEGER,
            confirmations INTEGER NOT NULL DEFAULT 0,
            txout_proof BLOB,
            endpoint TEXT,
            created_at INTEGER NOT NULL,
            confirmed_at INTEGER,
            updated_at INTEGER NOT NULL
        );
        CREATE INDEX anchors_by_state ON anchors(state, tree_size);
        -- What the running agent last saw of the broker and the ledger, for `status`.
        CREATE TABLE agent_state(key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at INTEGER NOT NULL);
        """,
        // 2: delivery to the clinic as FHIR (docs/fhir.md).
        """
        -- Who wore each device from when: one row per (re)assignment; a NULL patient is
        -- an unassignment. Triggers keep it in step with devices.patient, whoever writes it.
        CREATE TABLE device_assignments(
            id INTEGER PRIMARY KEY,
            device TEXT NOT NULL,
            patient TEXT,
            from_ms INTEGER NOT NULL
        );
        CREATE INDEX device_assignments_by_device ON device_assignments(device, from_ms);
        INSERT INTO device_assignments(device, patient, from_ms)
            SELECT id, patient, enrolled_at FROM devices WHERE patient IS NOT NULL;
        CREATE TRIGGER device_assigned_at_enrolment AFTER INSERT ON devices WHEN NEW.patient IS NOT NULL
        BEGIN
            INSERT INTO device_assignments(device, patient, from_ms) VALUES (NEW.id, NEW.patient, NEW.enrolled_at);
        END;
        -- julianday('now') has millisecond resolution; 2440587.5 is the Unix epoch's Julian day.
        CREATE TRIGGER device_reassigned AFTER UPDATE OF patient ON devices WHEN NEW.patient IS NOT OLD.patient
        BEGIN
            INSERT INTO device_assignments(device, patient, from_ms)
            VALUES (NEW.id, NEW.patient, CAST(ROUND((julianday('now') - 2440587.5) * 86400000) AS INTEGER));
        END;
        -- One transaction Bundle: fixed when formed (which readings, which checkpoint and
        -- anchor, when recorded), so every resend is the same bytes.
        CREATE TABLE delivery_batches(
            id INTEGER PRIMARY KEY,
            state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
            created_at INTEGER NOT NULL,
            checkpoint_size INTEGER NOT NULL,
            checkpoint_root BLOB NOT NULL,
            anchor_txid TEXT,
            anchor_block_height INTEGER,
            anchor_block_hash TEXT,
            attempts INTEGER NOT NULL DEFAULT 0,
            last_status INTEGER,
            last_error TEXT,
            delivered_at INTEGER,
            updated_at INTEGER NOT NULL
        );
        CREATE INDEX delivery_batches_by_state ON delivery_batches(state, id);
        -- Delivery state of each reading, taken in log order; 'unassigned' readings had no
        -- patient when received and are never delivered.
        CREATE TABLE deliveries(
            leaf_index INTEGER PRIMARY KEY REFERENCES readings(leaf_index),
            patient TEXT,
            state TEXT NOT NULL CHECK (state IN ('unassigned', 'pending', 'delivered', 'failed')),
            batch INTEGER REFERENCES delivery_batches(id),
            updated_at INTEGER NOT NULL
        );
        CREATE INDEX deliveries_by_batch ON deliveries(batch);
        """,
        // 3: security (docs/security.md). Each device's broker password, as the
        // mosquitto password-file line (a salted PBKDF2 hash, never the password),
        // so the broker's password and ACL files can be rewritten from here; and
        // the gateway key chain: each rotation statement is also a log leaf.
        """
        ALTER TABLE devices ADD COLUMN broker_line TEXT;
        CREATE TABLE key_rotations(
            leaf_index INTEGER PRIMARY KEY,
            old_key TEXT NOT NULL,
            new_key TEXT NOT NULL UNIQUE,
            statement BLOB NOT NULL,
            signature BLOB NOT NULL,
            created_at INTEGER NOT NULL
        );
        """,
        // 4: the anchor lifecycle of issue 4 (docs/anchoring.md). States become
        // pending (signed tx stored, not yet accepted), broadcast (in a mempool),
        // confirmed (in a block, depth below the requirement), final (deep
        // enough, txout proof stored) and abandoned (refused or conflicted,
        // replaced by a later anchor); old rows map signed→pending,
        // confirmed→final. Each anchor names its target, the node it went
        // through, its input coin and fee. Every transition is a row of
        // anchor_events; the agent's own coins are anchor_coins.
        """
        CREATE TABLE anchors_v2(
            id INTEGER PRIMARY KEY,
            target TEXT NOT NULL DEFAULT 'ledger',
            tree_size INTEGER NOT NULL REFERENCES checkpoints(tree_size),
            payload BLOB NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('pending', 'broadcast', 'confirmed', 'final', 'abandoned')),
            txid TEXT NOT NULL,
            raw_tx BLOB NOT NULL,
            block_hash TEXT,
            block_height INTEGER,
            confirmations INTEGER NOT NULL DEFAULT 0,
            txout_proof BLOB,
            endpoint TEXT,
            input_txid TEXT,
            input_vout INTEGER,
            fee INTEGER,
            created_at INTEGER NOT NULL,
            confirmed_at INTEGER,
            updated_at INTEGER NOT NULL
        );
        INSERT INTO anchors_v2(id, tree_size, payload, state, txid, raw_tx, block_hash, block_height, confirmations,
                               txout_proof, endpoint, created_at, confirmed_at, updated_at)
            SELECT id, tree_size, payload,
                   CASE state WHEN 'signed' THEN 'pending' WHEN 'confirmed' THEN 'final' ELSE state END,
                   txid, raw_tx, block_hash, block_height, confirmations, txout_proof, endpoint, created_at, confirmed_at, updated_at
            FROM anchors;
        DROP TABLE anchors;
        ALTER TABLE anchors_v2 RENAME TO anchors;
        CREATE INDEX anchors_by_state ON anchors(state, tree_size);
        CREATE UNIQUE INDEX anchors_by_txid ON anchors(txid);
        CREATE TABLE anchor_events(
            id INTEGER PRIMARY KEY,
            anchor_id INTEGER NOT NULL REFERENCES anchors(id),
            from_state TEXT,
            to_state TEXT NOT NULL,
            detail TEXT NOT NULL,
            at INTEGER NOT NULL
        );
        CREATE INDEX anchor_events_by_anchor ON anchor_events(anchor_id, id);
        -- Coins the agent spends for anchors, per ledger endpoint (each endpoint's
        -- wallet pays for its own anchors). chain is the count of unconfirmed
        -- transactions from the coin back to the chain, its own included, as last
        -- seen: 0 once confirmed. funding_raw keeps the transaction that made a
        -- split coin, to hand it to another node that lacks it.
        CREATE TABLE anchor_coins(
            endpoint TEXT NOT NULL,
            txid TEXT NOT NULL,
            vout INTEGER NOT NULL,
            value INTEGER NOT NULL,
            address TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('unspent', 'spent', 'retired')),
            chain INTEGER NOT NULL,
            spent_by INTEGER REFERENCES anchors(id),
            funding_raw BLOB,
            created_at INTEGER NOT NULL,
            PRIMARY KEY (txid, vout)
        );
        CREATE INDEX anchor_coins_by_endpoint ON anchor_coins(endpoint, state, chain);
        """,
        // 5: issue 7 (docs/performance.md). Inner Merkle nodes of levels 1 to 3 are
        // recomputed from leaf hashes when needed (MerkleNodeTable), no longer stored.
        """
        DELETE FROM merkle_nodes WHERE level BETWEEN 1 AND 3;
        """,
        // 6: issue 7. A reading's leaf hash is kept in its own row instead of a
        // merkle_nodes row of level 0 (one B-tree insert fewer per reading); leaves
        // that are not readings (key rotations) keep theirs in merkle_nodes.
        """
        ALTER TABLE readings ADD COLUMN leaf_hash BLOB;
        UPDATE readings SET leaf_hash = (SELECT hash FROM merkle_nodes WHERE level = 0 AND idx = readings.leaf_index);
        DELETE FROM merkle_nodes WHERE level = 0 AND idx IN (SELECT leaf_index FROM readings);
        """,
        // 7: issue 16, the access trail (docs/audit.md). Events are recorded in
        // audit_pending by whoever causes them (a sealed box to the patient key,
        // or JSON text before the database has one) and appended, in id order, as
        // leaves by the log's one writer; audit_events holds each leaf sealed at
        // rest (its salt inside) with what listing needs in the clear. Their leaf
        // hashes are merkle_nodes rows of level 0, as key rotations' are.
        """
        CREATE TABLE audit_pending(
            id INTEGER PRIMARY KEY,
            event BLOB NOT NULL,
            created_at INTEGER NOT NULL
        );
        CREATE TABLE audit_events(
            leaf_index INTEGER PRIMARY KEY,
            number INTEGER NOT NULL UNIQUE,
            type TEXT NOT NULL,
            device TEXT,
            ts INTEGER NOT NULL,
            leaf BLOB NOT NULL
        );
        CREATE INDEX audit_events_by_device ON audit_events(device, ts);
        """,
        // 8: storage (issue 14, docs/storage.md). After issue 16's 7, which was
        // released first: a database made by that release migrates forward.
        // - readings loses UNIQUE (device, boot, seq): that index took one page write per
        //   device per commit; exactly-once is kept by reading_runs (ReadingRuns), which the
        //   agent fills from the readings at its first start. The table is rebuilt (SQLite's
        //   ALTER TABLE section 7; `migrate` turns foreign keys off around it and checks them).
        // - the log's inner hashes are kept at the levels C2SP tlog-tiles cuts tiles from
        //   (8, 16, ...), no longer at levels 4 to 7; `tiles` keeps full tiles of leaf hashes
        //   whose readings were pruned (when no archive has them); `tile_spans` the reading
        //   times each pruned tile covers, to find a pruned reading's leaf.
        // Table-like data (duplicates): readings_v7 repeats migration 1's columns on purpose;
        // each migration is frozen SQL, so sharing the text would let one edit change both.
        """
        CREATE TABLE readings_v7(
            leaf_index INTEGER PRIMARY KEY,
            device TEXT NOT NULL,
            boot INTEGER NOT NULL,
            seq INTEGER NOT NULL,
            ts INTEGER NOT NULL,
            received_at INTEGER NOT NULL,
            leaf BLOB NOT NULL,
            leaf_hash BLOB
        );
        INSERT INTO readings_v7(leaf_index, device, boot, seq, ts, received_at, leaf, leaf_hash)
            SELECT leaf_index, device, boot, seq, ts, received_at, leaf, leaf_hash FROM readings;
        DROP TABLE readings;
        ALTER TABLE readings_v7 RENAME TO readings;
        CREATE TABLE reading_runs(
            device TEXT NOT NULL,
            boot INTEGER NOT NULL,
            seq_first INTEGER NOT NULL,
            seq_last INTEGER NOT NULL,
            leaf_first INTEGER,
            leaf_last INTEGER,
            received_last INTEGER NOT NULL,
            PRIMARY KEY (device, boot, seq_first)
        ) WITHOUT ROWID;
        DELETE FROM merkle_nodes WHERE level > 0 AND level % 8 != 0;
        CREATE TABLE tiles(
            level INTEGER NOT NULL,
            idx INTEGER NOT NULL,
            hashes BLOB NOT NULL,
            PRIMARY KEY (level, idx)
        );
        CREATE TABLE tile_spans(
            idx INTEGER PRIMARY KEY,
            ts_min INTEGER NOT NULL,
            ts_max INTEGER NOT NULL
        );
        """,
    ]

    /// Brings `db` to the newest schema version.
    public static func migrate(_ db: Database) throws {
        let current = Int(try db.userVersion())
        guard current <= migrations.count else {
            throw AgentConfig.Invalid("database schema version \(current) is newer than this vitalgate (\(migrations.count)); upgrade vitalgate")
        }
        guard current < migrations.count else { return }
        // A migration that rebuilds a table (SQLite's ALTER TABLE section 7) must run
        // with foreign keys off, which only takes effect outside a transaction; each
        // migration is then checked with foreign_key_check before it commits.
        try db.execute("PRAGMA foreign_keys=OFF")
        defer { try? db.execute("PRAGMA foreign_keys=ON") }
        for version in current..<migrations.count {
            try db.transaction(.exclusive) {
                try db.execute(migrations[version])
                if let broken = try db.prepare("PRAGMA foreign_key_check").rows(map: { $0.text(0) ?? "" }).first {
                    throw StoreError("schema migration \(version + 1) left a broken reference in table \(broken)")
                }
                try db.setUserVersion(Int32(version + 1))
            }
        }
    }
}
