"""In-memory fakes of the ports the services use (`chat_service/services/ports.py`), and
`world()`, which wires the real services on them."""
