import FHIR
import JSON

/// The transaction Bundle for a stored batch: the same bytes each time it is
/// built, since everything in it (readings, patients, coverage, the recorded
/// time) was fixed when the batch was formed and Ed25519 is deterministic.
enum BatchBundle {
    static func make(_ batch: DeliveryBatch, identity: GatewayIdentity) -> (bundle: JSONValue, entries: Int) {
        var observations: [BuiltObservation] = []
        for item in batch.items {
            let context = ObservationContext(gatewayID: identity.gatewayID, patient: item.patient, profile: item.profile)
            observations += VitalSignObservations.make(item.leaf, context)
        }
        let bundle = TransactionBundle.make(gatewayID: identity.gatewayID, recordedMillis: batch.createdAt,
                                            observations: observations, coverage: batch.coverage, sign: identity.sign)
        return (bundle, observations.count + 1)
    }
}
