/**
 * API errors with the reference's exact texts (spec section 3): clients such as the Go client
 * print them verbatim.
 * @module
 */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string
  ) {
    super(message)
  }
}

export const proxyNotFound = () => new ApiError(404, 'proxy not found')
export const proxyExists = () => new ApiError(409, 'proxy already exists')
export const toxicNotFound = () => new ApiError(404, 'toxic not found')
export const toxicExists = () => new ApiError(409, 'toxic already exists')
export const invalidStream = () =>
  new ApiError(400, 'stream was invalid, can be either upstream or downstream')
export const invalidToxicType = () => new ApiError(400, 'invalid toxic type')
export const badBody = (detail: string) => new ApiError(400, `bad request body: ${detail}`)
export const missingField = (field: string) => new ApiError(400, `missing required field: ${field}`)
