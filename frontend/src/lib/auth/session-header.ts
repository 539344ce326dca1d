/** The page being rendered, as the middleware saw it (path and query), so a page that finds its
 * session gone can send the person back to it after signing in. (Apart from session.ts, which is
 * server-only, so that the middleware can import it.) */
export const CURRENT_PATH_HEADER = "x-im-path";
