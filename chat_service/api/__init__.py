"""HTTP and WebSocket: handlers parse input, call one service method, render the result."""
