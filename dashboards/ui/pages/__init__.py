"""One module per page; each render() starts with context.require(page)."""
