/** An error answer of the API (`{error, message}`), or the API being unreachable. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** The message of an API error body, whatever shape it arrived in. */
export function errorMessage(status: number, body: unknown): ApiError {
  if (body && typeof body === "object" && "message" in body) {
    const { error, message } = body as { error?: unknown; message?: unknown };
    return new ApiError(status, String(error ?? "error"), String(message));
  }
  return new ApiError(status, "error", `the API answered ${status}`);
}

/** The data of an openapi-fetch result, or an `ApiError` thrown with the API's own message. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.error !== undefined || result.data === undefined) {
    throw errorMessage(result.response.status, result.error);
  }
  return result.data;
}
