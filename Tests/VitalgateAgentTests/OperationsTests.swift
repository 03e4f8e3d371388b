#if canImport(Glibc)
import FileIO
import Glibc
#endif
import Logging
import Testing
import VitalgateAgent
@testable import VitalgateAgent

/// The pure pieces of issue 15's operations work.
@Suite struct LogThrottleTests {
    /// Times in these tests are seconds after `t0`.
    let t0 = ContinuousClock.now
    func at(_ seconds: Double) -> ContinuousClock.Instant { t0 + .seconds(seconds) }

    @Test func firstOfEachKindInFullTheRestCountedPerWindow() {
        var throttle = LogThrottle(window: .seconds(60), maxKinds: 3)
        let r1 = throttle.admit("a", now: at(0))
        #expect(r1)
        let r2 = throttle.admit("a", now: at(1))
        #expect(!r2)
        let r3 = throttle.admit("a", now: at(2))
        #expect(!r3)
        let r4 = throttle.admit("b", now: at(3))
        #expect(r4)
        let r5 = throttle.admit("c", now: at(4))
        #expect(r5)
        let r6 = throttle.admit("d", now: at(5))
        #expect(!r6, "a fourth kind is counted with the rest")
        let r7 = throttle.admit("e", now: at(6))
        #expect(!r7)
        let r8 = throttle.admit("e", now: at(7))
        #expect(!r8)
        let f1 = throttle.flush(now: at(59))
        #expect(f1 == nil, "the window is not over")
        let summary = throttle.flush(now: at(60))
        #expect(summary?.repeated.map(\.kind) == ["a"])
        #expect(summary?.repeated.first?.count == 2)
        #expect(summary?.overflow?.kinds == 2 && summary?.overflow?.count == 3)
        // Every event is accounted for: 3 in full, 2 repeats, 3 others.
        let r9 = throttle.admit("a", now: at(61))
        #expect(r9, "a new window starts empty")
        let f2 = throttle.flush(now: at(62), force: true)
        #expect(f2?.repeated.isEmpty == true)
    }

    @Test func aFloodOfOneKindIsOneLineAndOneSummary() {
        var throttle = LogThrottle()
        var full = 0
        for i in 0..<10_000 where throttle.admit("dev out_of_range", now: at(Double(i) / 1000)) { full += 1 }
        #expect(full == 1)
        let f3 = throttle.flush(now: at(100))
        #expect(f3?.repeated.first?.count == 9_999)
    }
}

@Suite struct RepeatLimiterTests {
    let t0 = ContinuousClock.now
    func at(_ seconds: Double) -> ContinuousClock.Instant { t0 + .seconds(seconds) }

    @Test func saysAConditionOnceThenRemindsAndSaysChangesAtOnce() {
        var limiter = RepeatLimiter(reminder: .seconds(600))
        let r1 = limiter.line("ledger down", now: at(0))
        #expect(r1 == "ledger down")
        let r2 = limiter.line("ledger down", now: at(10))
        #expect(r2 == nil)
        let r3 = limiter.line("ledger down", now: at(599))
        #expect(r3 == nil)
        let r4 = limiter.line("ledger down", now: at(600))
        #expect(r4?.hasPrefix("ledger down (still, 3 times in the last 600 s)") == true)
        let r5 = limiter.line("wallet empty", now: at(601))
        #expect(r5 == "wallet empty", "a change is said at once")
        #expect(limiter.isActive)
        limiter.clear()
        #expect(!limiter.isActive)
        let r6 = limiter.line("wallet empty", now: at(602))
        #expect(r6 == "wallet empty", "after it ended, said again")
    }
}

@Suite struct StatusBoardTests {
    @Test func sinceMovesWithTheSituationNotWithTheDetail() {
        let board = StatusBoard([.broker: PartState(.warning, "connecting", since: 100)])
        let start = board.changeCount
        #expect(board.set(.broker, .critical, "disconnected", "refused", now: 200))
        #expect(!board.set(.broker, .critical, "disconnected", "timed out", now: 300), "same situation")
        #expect(board.state(.broker) == PartState(.critical, "disconnected", "timed out", since: 200))
        #expect(board.changeCount == start + 2)
        #expect(!board.set(.broker, .critical, "disconnected", "timed out", now: 400))
        #expect(board.changeCount == start + 2, "nothing new, no change")
        #expect(board.set(.broker, .ok, "connected", now: 500))
        #expect(board.state(.broker)?.since == 500)
    }

    @Test func storedStatesRoundTripAndOldRowsAreRead() {
        let state = PartState(.warning, "blocked", "wallet \"vitalgate\" has no spendable coins", since: 1234)
        let (read, known) = PartState.stored(state.storedValue, since: 1234)
        #expect(known && read == state)
        let (old, oldKnown) = PartState.stored("paused: disk full", since: 5)
        #expect(!oldKnown && old.state == "paused" && old.detail == "disk full")
    }

    @Test func theSystemdStatusLineLeadsWithWhatIsWrong() {
        let ok = OperationsService.statusLine([.ingest: PartState(.ok, "running", since: 0), .broker: PartState(.ok, "connected", since: 0),
                                               .ledger: PartState(.ok, "reachable", since: 0)])
        #expect(ok == "OK: ingest running, broker connected, ledger reachable")
        let bad = OperationsService.statusLine([.ingest: PartState(.ok, "running", since: 0),
                                                .anchoring: PartState(.warning, "blocked", "wallet empty", since: 0),
                                                .broker: PartState(.critical, "disconnected", "refused", since: 0)])
        #expect(bad == "CRITICAL: broker disconnected: refused; anchoring blocked: wallet empty")
    }
}

@Suite struct PrometheusTextTests {
    @Test func familiesHaveHelpTypeAndEscapedLabels() {
        var p = PrometheusText()
        p.counter("x_total", "Things.", [([("reason", "a\"b\\c\nd")], 3)])
        p.gauge("y_seconds", "When.", 1764072000.123)
        #expect(p.text == """
            # HELP x_total Things.
            # TYPE x_total counter
            x_total{reason="a\\"b\\\\c\\nd"} 3
            # HELP y_seconds When.
            # TYPE y_seconds gauge
            y_seconds 1764072000.123

            """)
    }

    @Test func histogramBucketsAreCumulative() {
        var h = Histogram(bounds: [0.01, 0.1, 1])
        for v in [0.005, 0.05, 0.05, 0.5, 5] { h.observe(v) }
        var p = PrometheusText()
        p.histogram("c_seconds", "Commits.", h.snapshot)
        #expect(p.text.contains("c_seconds_bucket{le=\"0.01\"} 1\nc_seconds_bucket{le=\"0.1\"} 3\nc_seconds_bucket{le=\"1\"} 4\nc_seconds_bucket{le=\"+Inf\"} 5\n"))
        #expect(p.text.contains("c_seconds_sum 5.605\nc_seconds_count 5\n"))
    }
}

@Suite struct SettingProblemTests {
    @Test func unknownKeysAndBadValuesNameTheirSource() throws {
        let file = try ConfigFile(parsing: "gateway_id = gw\nmqtt_prot = 1883\ncheckpoint_interval = soon\nledger_user = u\nledger_password = p",
                                  path: "/h/vitalgate.conf")
        let problems = Setting.problems(overrides: ["confirmations": "0"], environment: ["VITALGATE_MQTT_PORT": "abc"], file: file)
        #expect(problems.contains("/h/vitalgate.conf line 2: unknown setting `mqtt_prot` (did you mean mqtt_port?)"), "\(problems)")
        #expect(problems.contains("mqtt_port = abc (environment variable VITALGATE_MQTT_PORT): must be a port number, 1-65535"), "\(problems)")
        #expect(problems.contains("checkpoint_interval = soon (/h/vitalgate.conf line 3): must be a number, 0.001-86400"), "\(problems)")
        #expect(problems.contains("confirmations = 0 (flag --confirmations): must be within 1-1000"), "\(problems)")
        #expect(problems.count == 4)
        #expect {
            try AgentConfig(home: GatewayHome(path: "/h"), file: file, overrides: [:], environment: [:])
        } throws: { "\($0)".contains("unknown setting `mqtt_prot`") && "\($0)".contains("line 3") }
    }

    @Test(arguments: [("mqtt_port", "0"), ("mqtt_port", "70000"), ("ledger_url", "https://x:1"), ("ledger_url", "http://x"),
                      ("clock_sync_required", "yes"), ("metrics_textfile_dir", "relative/dir"), ("gateway_id", "-bad"),
                      ("fee_rate", "1e-5"), ("storage_budget", "0"), ("clinic_url", "ftp://x")])
    func valuesThatDoNotFitAreRefused(_ key: String, _ value: String) {
        #expect(Setting.named(key)?.problem(with: value) != nil, "\(key) = \(value)")
    }

    @Test(arguments: [("mqtt_port", "1883"), ("ledger_url", "http://127.0.0.1:1,http://[::1]:2"), ("clock_sync_required", "false"),
                      ("metrics_textfile_dir", "/var/lib/prometheus/node-exporter"), ("fee_rate", "0.00002"), ("checkpoint_interval", "1.5")])
    func valuesThatFitAreAccepted(_ key: String, _ value: String) {
        #expect(Setting.named(key)?.problem(with: value) == nil, "\(key) = \(value)")
    }

    @Test func theLedgerPasswordComesFromAFile() throws {
        let dir = "/tmp/vitalgate-settings-\(UInt32.random(in: 0...UInt32.max))"
        try Files.makeDirectory(dir)
        defer {
            for name in (try? Files.list(dir)) ?? [] { unlink(dir + "/" + name) }
            rmdir(dir)
        }
        try Files.write(Array("s3cret\nignored\n".utf8), to: dir + "/pw", mode: 0o600, overwrite: true)
        let file = try ConfigFile(parsing: "gateway_id = gw\nledger_user = u\nledger_password_file = \(dir)/pw")
        let config = try AgentConfig(home: GatewayHome(path: dir), file: file, overrides: [:], environment: [:])
        #expect(config.ledgerEndpoints.first?.auth == .userPassword("u", "s3cret"))
    }
}

@Suite struct SystemCheckTests {
    @Test func clockStates() {
        let synced = ClockCheck(synchronised: true, estimatedErrorMicros: 2500, nowMillis: 1_764_072_000_000)
        #expect(synced.state(required: true, since: 0).health == .ok)
        let unsynced = ClockCheck(synchronised: false, estimatedErrorMicros: 0, nowMillis: 1_764_072_000_000)
        #expect(unsynced.state(required: true, since: 0).health == .warning)
        #expect(unsynced.state(required: false, since: 0).health == .ok)
        let unset = ClockCheck(synchronised: false, estimatedErrorMicros: 0, nowMillis: 86_400_000)
        #expect(unset.state(required: false, since: 0) == PartState(.critical, "not set",
            "the clock says 1970-01-02T00:00:00Z; readings are rejected until NTP sets it", since: 0))
    }

    @Test func storageWarnsNearItsBudgetOrAFullFilesystem() {
        let gib: Int64 = 1 << 30
        #expect(StorageCheck(usedBytes: 95, freeBytes: 10 * gib, filesystemBytes: 20 * gib, configuredBudget: 100).state(since: 0).state == "near budget")
        #expect(StorageCheck(usedBytes: 50, freeBytes: 10 * gib, filesystemBytes: 20 * gib, configuredBudget: 100).state(since: 0).health == .ok)
        #expect(StorageCheck(usedBytes: 50, freeBytes: gib, filesystemBytes: 20 * gib, configuredBudget: nil).state(since: 0).state == "filesystem nearly full")
        // The storage service's last pass (issue 14): nothing may go and the budget is reached.
        var full = StorageCheck(usedBytes: 100, freeBytes: 10 * gib, filesystemBytes: 20 * gib, configuredBudget: 100)
        full.blockedBy = "readings not yet delivered to the clinic"
        full.full = true
        let fullState = full.state(since: 0)
        #expect(fullState.health == .critical && fullState.state == "full")
        #expect(fullState.detail.contains("readings not yet delivered to the clinic may not be pruned yet"))
        full.full = false
        #expect(full.state(since: 0).state == "near budget" && full.state(since: 0).detail.contains("not yet delivered"))
        var archive = StorageCheck(usedBytes: 50, freeBytes: 10 * gib, filesystemBytes: 20 * gib, configuredBudget: 100)
        archive.note = "archive: the archive folder /mnt/x has no vitalgate-log: it is not mounted"
        #expect(archive.state(since: 0) == PartState(.warning, "archive failing", "50 B used of a 100 B budget, 10.0 GiB free on the filesystem; " + archive.note!, since: 0))
        #expect(StorageCheck.bytes(812 * 1024) == "812 KiB")
        #expect(StorageCheck.bytes(3_565_158) == "3.4 MiB")
    }

    /// `storage_budget`: issue 15 released it as MiB; issue 14 adds shares and sizes.
    @Test func storageBudgetReadsSharesSizesAndMiB() throws {
        #expect(try StorageSettings.parseBudget("800") == .bytes(800 << 20))
        #expect(try StorageSettings.parseBudget("20G") == .bytes(20 << 30))
        #expect(try StorageSettings.parseBudget("512k") == .bytes(512 << 10))
        #expect(try StorageSettings.parseBudget("50%") == .share(0.5))
        for bad in ["0", "0%", "101%", "-5", "ten", "5X", ""] {
            #expect(throws: AgentConfig.Invalid.self, "\(bad)") { try StorageSettings.parseBudget(bad) }
            if !bad.isEmpty { #expect(Setting.named("storage_budget")?.problem(with: bad) != nil, "\(bad)") }
        }
        #expect(Setting.named("storage_budget")?.problem(with: "800") == nil)
    }

    @Test func timesForPeople() {
        #expect(WallClock.iso8601(millis: 0) == "1970-01-01T00:00:00Z")
        #expect(WallClock.iso8601(millis: 1_764_072_000_123) == "2025-11-25T12:00:00Z")
        #expect(WallClock.iso8601(millis: 1_764_072_000_123, fraction: true) == "2025-11-25T12:00:00.123Z")
        #expect(WallClock.age(of: 0, now: 42_000) == "42 s ago")
        #expect(WallClock.age(of: 0, now: 3 * 3_600_000) == "3 h ago")
        #expect(WallClock.age(of: 5_000, now: 0) == "in 5 s")
    }

    @Test func journalPriorities() {
        #expect([Logger.Level.trace, .debug, .info, .notice, .warning, .error, .critical].map(AgentLogHandler.priority) == [7, 7, 6, 5, 4, 3, 2])
        #expect(!AgentLogHandler.stderrIsJournal(nil))
        #expect(!AgentLogHandler.stderrIsJournal("1:1"))
    }
}
