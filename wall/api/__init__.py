"""HTTP routers, one module per audience of the contract."""
