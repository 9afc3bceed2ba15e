import multipart from '@fastify/multipart';
import type { FastifyInstance } from 'fastify';

/** A request body that could not be read: the client's error, answered 400 by the REST error handler. */
export class MalformedBody extends Error {
  readonly statusCode = 400;
}

/**
 * Multipart bodies (the docs' `curl --form`) read as Grape reads them: fields only, as plain values, a repeated
 * field as a list. @fastify/multipart's own `attachFieldsToBody` lets the parser's errors through as they are
 * ("Multipart: Boundary not found", "Unexpected end of form"), without a status, so they became 500s.
 */
export async function multipartFields(app: FastifyInstance): Promise<void> {
  // No files: fileSize 0 and files 0 make any file part a 413 from the plugin.
  await app.register(multipart, { limits: { fileSize: 0, files: 0 } });
  app.addHook('preValidation', async (request) => {
    if (!request.isMultipart()) return;
    const fields = new Map<string, unknown[]>();
    try {
      for await (const part of request.parts()) {
        if (part.type === 'file') {
          await part.toBuffer();
          continue;
        }
        fields.set(part.fieldname, [...(fields.get(part.fieldname) ?? []), part.value]);
      }
    } catch (error) {
      const status = (error as { statusCode?: number }).statusCode;
      if (status && status >= 400 && status < 500) throw error;
      throw new MalformedBody(`Malformed multipart body: ${error instanceof Error ? error.message : String(error)}`);
    }
    // fromEntries defines own properties, so a field named "__proto__" is a field, not the body's prototype.
    request.body = Object.fromEntries([...fields].map(([name, values]) => [name, values.length === 1 ? values[0] : values]));
  });
}
