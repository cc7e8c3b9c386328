/*
 * store_sql.h - SQL text every driver reads an event with, in struct
 * store_row's order (each driver's row reader takes the columns by these
 * positions); g is the message a delete event removed. Search adds the
 * highlighted text as column EVENT_NCOLS, with search.h's markers. Only
 * the drivers include this file.
 */
#ifndef GC_STORE_SQL_H
#define GC_STORE_SQL_H

#define EVENT_SELECT \
	"SELECT e.id, e.type, e.ts, r.name, e.user_id, e.username, u.gravatar," \
	" e.to_user_id, t.username, e.text, e.target, e.deleted_at IS NOT NULL," \
	" g.user_id, g.to_user_id"
#define EVENT_COLS EVENT_SELECT " FROM "
#define EVENT_JOINS \
	" LEFT JOIN rooms r ON r.id = e.room_id" \
	" LEFT JOIN users u ON u.id = e.user_id" \
	" LEFT JOIN users t ON t.id = e.to_user_id" \
	" LEFT JOIN events g ON g.id = e.target"
#define EVENT_NCOLS 14

#endif
