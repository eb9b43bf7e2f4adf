import Foundation
import Keyflow
import KeyflowStore

/// What the domain cannot check alone: that assigned users and attached files exist in the organization.
enum ActionChecks {
    static func verify(_ definitions: [ActionDefinition], field: String, organizationID: UUID, in db: StoreSession)
        async throws
    {
        for (index, definition) in definitions.enumerated() {
            let at = definitions.count == 1 && field == "action" ? field : "\(field).\(index + 1)"
            if case .user(let id) = definition.assignee {
                guard let user = try await db.user(id), user.organizationID == organizationID else {
                    throw APIError.invalid("no user \(id) in this organization", field: "\(at).assignee")
                }
            }
            for attachment in definition.attachments {
                guard let info = try await db.attachmentInfo(attachment), info.organizationID == organizationID else {
                    throw APIError.invalid(
                        "no attachment \(attachment); upload it with POST /api/v1/attachments first",
                        field: "\(at).attachments")
                }
            }
        }
    }
}
