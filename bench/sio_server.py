#!/usr/bin/python3
"""bench/sio_server.py - the seed's own stack, as a reference for bench/run.

Galaxy's "communication server" (16.07 to 20.09) was a Flask-SocketIO app;
this is a server written for the benchmark from its description in
/work/shared/GALAXY.md, section 4 (nothing copied): namespace /chat, the
user named by the connection's `username` query parameter (the seed had no
other authentication), no history.

  * `join` {room}: join_room, then `event response room` {data: room,
    userjoin} broadcast to everyone in /chat, as the seed did;
  * `event room` {data, room}: `event response room` {data, user, gravatar:
    md5(email), chatroom} to the room's members, sender included;
  * `leave` {room}: leave_room and the notice to everyone.

The seed passed text through Galaxy's sanitize_html (an HTML parser); here
html.escape stands in for it, which costs less, so the figures flatter the
reference if anything.

Served by eventlet's WSGI server as Flask-SocketIO would (async_mode
eventlet), but with a listen backlog of 4096 and no cap of 1024 green
threads, so that thousands of connections can be opened at once.
ping_timeout is 60 s (20 s by default) so that the benchmark's sender, which
posts and never polls, is not dropped for missing pings during a run.

With --no-join-notice a join sends no notice: the seed's notice to everyone
makes N joins cost N * N packets, which at 1,000 users keeps the set-up
(not measured) busy for minutes on this machine; bench/run passes it.

    bench/sio_server.py PORT [--no-join-notice]
"""
import eventlet
eventlet.monkey_patch()

import hashlib  # noqa: E402
import html  # noqa: E402
import sys  # noqa: E402

import eventlet.wsgi  # noqa: E402
from flask import Flask, request  # noqa: E402
from flask_socketio import SocketIO, emit, join_room, leave_room  # noqa: E402

app = Flask(__name__)
app.config["SECRET_KEY"] = "bench secret, not for production"
socketio = SocketIO(app, async_mode="eventlet", ping_timeout=60, max_http_buffer_size=100000)
users = {}   # sid -> (username, gravatar hash)
JOIN_NOTICE = "--no-join-notice" not in sys.argv

NS = "/chat"


@socketio.on("connect", namespace=NS)
def on_connect(auth=None):
    name = html.escape(request.args.get("username", "anonymous"))
    users[request.sid] = (name, hashlib.md5((name + "@example.org").encode()).hexdigest())


@socketio.on("disconnect", namespace=NS)
def on_disconnect():
    users.pop(request.sid, None)


@socketio.on("join", namespace=NS)
def on_join(msg):
    room = html.escape(str(msg.get("room", "")))
    join_room(room)
    if JOIN_NOTICE:
        emit("event response room", {"data": room, "userjoin": users.get(request.sid, ("?",))[0]},
             broadcast=True)


@socketio.on("leave", namespace=NS)
def on_leave(msg):
    room = html.escape(str(msg.get("room", "")))
    leave_room(room)
    emit("event response room", {"data": room, "userleave": users.get(request.sid, ("?",))[0]},
         broadcast=True)


@socketio.on("event room", namespace=NS)
def on_room(msg):
    name, grav = users.get(request.sid, ("?", ""))
    room = html.escape(str(msg.get("room", "")))
    emit("event response room", {"data": html.escape(str(msg.get("data", ""))), "user": name,
                                  "gravatar": grav, "chatroom": room}, to=room)


def main():
    port = int(sys.argv[1])
    sock = eventlet.listen(("127.0.0.1", port), backlog=4096)
    eventlet.wsgi.server(sock, app, log_output=False, max_size=100000)


if __name__ == "__main__":
    main()
