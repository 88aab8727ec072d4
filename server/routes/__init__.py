"""HTTP routers; `server.app.create_app` includes each one."""
