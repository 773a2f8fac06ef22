/** The parts of an express response the controllers touch (the project has no express types). */
export interface ResponseHeaders {
  status(code: number): ResponseHeaders;
  setHeader(name: string, value: string): void;
}

export const V1 = 'api/v1';
