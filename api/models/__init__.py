"""Request and response models, one module per resource; JSON field names are the warehouse's column names."""
