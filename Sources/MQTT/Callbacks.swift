#if canImport(Glibc)
import Glibc
#endif
import CMosquitto

// libmosquitto calls these on its network thread (mosquitto_loop_start).
// They are plain top-level functions, usable as @convention(c) pointers:
// they capture nothing and carry no actor isolation (a closure written in
// a main-actor context would be main-actor isolated and trap on this
// thread). The context arrives through `userdata`.

private func context(_ userdata: UnsafeMutableRawPointer?) -> ClientContext? {
    userdata.map { Unmanaged<ClientContext>.fromOpaque($0).takeUnretainedValue() }
}

/// `mosquitto_connect_with_flags_callback_set`: `flags` bit 0 is the
/// CONNACK "session present" flag (MQTT 3.1.1 section 3.2.2.2).
func mqttConnectCallback(_ mosquitto: OpaquePointer?, _ userdata: UnsafeMutableRawPointer?,
                         _ returnCode: Int32, _ flags: Int32) {
    context(userdata)?.didConnect(mosquitto, returnCode: returnCode, sessionPresent: flags & 1 != 0)
}

/// `returnCode` 0 means we asked to disconnect; anything else was unexpected.
func mqttDisconnectCallback(_ mosquitto: OpaquePointer?, _ userdata: UnsafeMutableRawPointer?,
                            _ returnCode: Int32) {
    // MOSQ_ERR_ERRNO's cause is in errno: read it before anything else can change it.
    let socketError = errno
    context(userdata)?.didDisconnect(returnCode: returnCode, socketError: socketError)
}

/// For QoS 1, called when the PUBACK arrives; for QoS 0, once sent.
func mqttPublishCallback(_ mosquitto: OpaquePointer?, _ userdata: UnsafeMutableRawPointer?, _ mid: Int32) {
    context(userdata)?.didPublish(mid: mid)
}

/// Copies topic and payload before returning: libmosquitto frees the
/// message afterwards.
func mqttMessageCallback(_ mosquitto: OpaquePointer?, _ userdata: UnsafeMutableRawPointer?,
                         _ message: UnsafePointer<mosquitto_message>?) {
    guard let context = context(userdata), let message = message?.pointee else { return }
    let topic = message.topic.map { String(cString: $0) } ?? ""
    let count = Int(max(0, message.payloadlen))
    let payload = message.payload.map { Array(UnsafeRawBufferPointer(start: $0, count: count)) } ?? []
    context.didReceive(MQTTMessage(topic: topic, payload: payload, qos: message.qos,
                                   retain: message.retain, mid: message.mid))
}
