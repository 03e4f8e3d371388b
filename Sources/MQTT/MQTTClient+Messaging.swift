import CMosquitto

extension MQTTClient {
    /// Subscribes to `pattern` (MQTT wildcards `+`, `#`) with maximum QoS
    /// `qos`. The subscription is remembered and sent again on every
    /// reconnect; when not connected now, it is sent on connect.
    public func subscribe(_ pattern: String, qos: Int32) throws(MQTTError) {
        guard (0...2).contains(qos), mosquitto_sub_topic_check(pattern) == MosquittoResult.success else {
            throw MQTTError(code: MosquittoResult.invalid, operation: "subscribe \"\(pattern)\" qos \(qos)")
        }
        context.lock.withLock { locked in
            locked.state.subscriptions.removeAll { $0.pattern == pattern }
            locked.state.subscriptions.append((pattern, qos))
        }
        let rc = mosquitto_subscribe(handle, nil, pattern, qos)
        if rc != MosquittoResult.success && rc != MosquittoResult.noConnection {
            throw MQTTError(code: rc, operation: "subscribe \"\(pattern)\"")
        }
    }

    /// Publishes `payload` to `topic`; returns the message id that
    /// `onPublish` reports. QoS 1 and 2 messages published while
    /// disconnected are queued in the client (in memory, until the client
    /// is destroyed) and sent after reconnecting; QoS 0 ones fail with
    /// `MOSQ_ERR_NO_CONN`.
    @discardableResult
    public func publish(topic: String, payload: [UInt8], qos: Int32, retain: Bool = false) throws(MQTTError) -> Int32 {
        // withUnsafeBytes rethrows untyped errors; carry the typed one out in a Result.
        try payload.withUnsafeBytes { bytes in
            Result { () throws(MQTTError) in try publish(topic: topic, payload: bytes, qos: qos, retain: retain) }
        }.get()
    }

    /// Publishes from a buffer without copying it into an array first;
    /// libmosquitto copies the bytes before returning.
    @discardableResult
    public func publish(topic: String, payload: UnsafeRawBufferPointer, qos: Int32, retain: Bool) throws(MQTTError) -> Int32 {
        // MQTT's remaining-length field caps a packet at 268,435,455 bytes (3.1.1 section 2.2.3).
        guard payload.count <= 268_435_455 else {
            throw MQTTError(code: MosquittoResult.payloadSize, operation: "publish to \"\(topic)\" (\(payload.count) bytes)")
        }
        var mid: Int32 = 0
        let rc = mosquitto_publish(handle, &mid, topic, Int32(payload.count), payload.baseAddress, qos, retain)
        // For QoS 1 and 2, libmosquitto 2.0.11 appends the message to its
        // outgoing list before trying to send it (lib/actions.c,
        // mosquitto_publish_v5 -> message__queue); without a connection the
        // send fails with MOSQ_ERR_NO_CONN, but the message stays queued and
        // is re-sent after the next CONNACK (lib/messages_mosq.c,
        // message__reconnect_reset and message__retry_check). It is not
        // lost, so it is not an error; a caller retrying would duplicate it.
        if rc == MosquittoResult.noConnection && qos > 0 { return mid }
        guard rc == MosquittoResult.success else {
            throw MQTTError(code: rc, operation: "publish to \"\(topic)\"")
        }
        return mid
    }
}
