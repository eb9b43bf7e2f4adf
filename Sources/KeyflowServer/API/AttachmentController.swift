import Foundation
import Hummingbird
import Keyflow
import KeyflowStore

/// Files attached to actions: uploaded by internal users, served only to people who may see them.
struct AttachmentController {
    let store: Store
    let clock: AppClock
    let maximumBytes: Int

    func addRoutes(to api: RouterGroup<KeyflowRequestContext>) {
        api.post("attachments", use: upload)
        api.get("attachments/:id", use: download)
        api.get("attachments/:id/info", use: info)
    }

    @Sendable func upload(_ request: Request, context: KeyflowRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        guard actor.isInternal else { throw APIError.forbidden("only internal users attach files to actions") }
        guard let contentType = request.headers[.contentType], MultipartFile.boundary(fromContentType: contentType) != nil
        else { throw APIError.unsupportedMediaType("upload the file as multipart/form-data with a boundary") }
        let body: ByteBuffer
        do {
            // Room for the multipart envelope around the file itself.
            body = try await request.body.collect(upTo: maximumBytes + 16 * 1024)
        } catch {
            throw APIError.tooLarge("a file may have at most \(maximumBytes) bytes")
        }
        let file: MultipartFile
        do {
            file = try MultipartFile.parse(body: Data(buffer: body), contentType: contentType)
        } catch .noFile {
            throw APIError.badRequest("the upload has no file part (a part with a filename)", field: "file")
        } catch {
            throw APIError.badRequest("the multipart body cannot be read: \(error)")
        }
        guard file.data.count <= maximumBytes else { throw APIError.tooLarge("a file may have at most \(maximumBytes) bytes") }
        guard !file.data.isEmpty else { throw APIError.invalid("the file is empty", field: "file") }
        let type = try AttachmentRules.checkedContentType(file.contentType, data: file.data)
        let now = clock.now()
        let info = try await store.write {
            try await $0.insertAttachment(
                id: UUID.random(), organizationID: actor.organizationID, uploadedBy: actor.userID,
                name: AttachmentRules.safeName(file.fileName), contentType: type, data: file.data, now: now)
        }
        return try JSONBody.response(AttachmentView(info), status: .created)
    }

    /// The file's name, size and type, for showing it before anyone downloads it.
    @Sendable func info(_ request: Request, context: KeyflowRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let id = try context.id("id", of: "attachment")
        let info = try await store.read { db in
            guard let info = try await db.attachmentInfo(id), try await Self.mayRead(info, actor: actor, in: db) else {
                throw APIError.notFound("no attachment \(id)")
            }
            return info
        }
        return try JSONBody.response(AttachmentView(info))
    }

    @Sendable func download(_ request: Request, context: KeyflowRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let id = try context.id("id", of: "attachment")
        let (info, data) = try await store.read { db -> (AttachmentInfo, Data) in
            guard let info = try await db.attachmentInfo(id), try await Self.mayRead(info, actor: actor, in: db),
                let data = try await db.attachmentData(id)
            else { throw APIError.notFound("no attachment \(id)") }
            return (info, data)
        }
        let disposition = "attachment; filename=\"\(info.name.replacingOccurrences(of: "\"", with: ""))\""
        return Response(
            status: .ok,
            headers: [
                .contentType: info.contentType, .contentDisposition: disposition,
                .init("X-Content-Type-Options")!: "nosniff",
            ],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// The uploader, internal users of the organization who can see a template or flow using it, and clients
    /// who are members of a flow using it.
    static func mayRead(_ info: AttachmentInfo, actor: Actor, in db: StoreSession) async throws -> Bool {
        guard info.organizationID == actor.organizationID else { return false }
        if info.uploadedBy == actor.userID { return true }
        let inFlow = try await db.flows(visibleTo: actor).contains { stored in
            stored.flow.actions.contains { $0.definition.attachments.contains(info.id) }
        }
        if inFlow || !actor.isInternal { return inFlow }
        return try await db.templates(in: actor.organizationID).contains { template in
            Access.canView(template, as: actor) && template.actions.contains { $0.attachments.contains(info.id) }
        }
    }
}

struct AttachmentView: Encodable {
    var id: UUID
    var name: String
    var size: Int
    var contentType: String

    init(_ info: AttachmentInfo) {
        id = info.id
        name = info.name
        size = info.size
        contentType = info.contentType
    }
}
