/// The ingest inbox: a FIFO whose front is taken without shifting the rest.
/// During a backlog drain it holds tens of thousands of messages, and it is
/// touched under the lock libmosquitto's network thread needs for every
/// message, so taking a batch must not move the remaining ones.
struct MessageQueue<Message> {
    private var items: [Message] = []
    private var head = 0

    var count: Int { items.count - head }
    var isEmpty: Bool { head == items.count }

    mutating func append(_ message: Message) { items.append(message) }

    /// The first `n` messages (at most `count`), left in the queue.
    func first(_ n: Int) -> [Message] { Array(items[head..<(head + min(n, count))]) }

    /// Drops the first `n` messages. Storage is compacted only once the dead
    /// front is both large and at least half of it, so each message moves O(1) times.
    mutating func removeFirst(_ n: Int) {
        precondition(n <= count, "removing more messages than are queued")
        head += n
        if head == items.count {
            items.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 4096 && 2 * head >= items.count {
            items.removeFirst(head)
            head = 0
        }
    }
}

extension MessageQueue: Sendable where Message: Sendable {}
