export { openBookFeed, BookFeed, bookFeedOptionsSchema, type BookFeedOptions, type BookFeedSource, type BookFeedStats } from './book-feed.js';
export type { BookFormatName } from './source.js';
export { CheckedBookFeed, type BookCheckOptions } from './checked-feed.js';
