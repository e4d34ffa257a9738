"""Vocabulary pools, built once per process; rows sample them by index (never a Faker call per row)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import polars as pl
from faker.providers.person.en_US import Provider as PersonProvider

EMAIL_DOMAINS = ("gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "icloud.com", "proton.me", "aol.com")
EMAIL_DOMAIN_WEIGHTS = (0.45, 0.15, 0.14, 0.1, 0.1, 0.03, 0.03)

BRANDS = (
    "Acme", "Northwind", "Contoso", "Fabrikam", "Lumen", "Vertex", "Halcyon", "Orbit", "Summit", "Cobalt",
    "Juniper", "Aurora", "Nimbus", "Evergreen", "Atlas", "Pioneer", "Solace", "Kestrel", "Meridian", "Harbor",
)  # fmt: skip

ADJECTIVES = (
    "Classic", "Premium", "Compact", "Deluxe", "Essential", "Ultra", "Eco", "Smart", "Pro", "Vintage",
    "Lightweight", "Portable", "Organic", "Modern", "Rugged", "Elegant", "Everyday", "Signature",
)  # fmt: skip

NOUNS = {
    "Electronics": ("Headphones", "Smartwatch", "Bluetooth Speaker", "Tablet", "Webcam", "Keyboard", "Monitor",
                    "Power Bank", "Router", "E-Reader"),
    "Clothing": ("T-Shirt", "Hoodie", "Jeans", "Rain Jacket", "Sneakers", "Wool Sweater", "Dress", "Chinos",
                 "Scarf", "Socks 3-Pack"),
    "Home & Garden": ("Table Lamp", "Throw Pillow", "Garden Hose", "Planter", "Cookware Set", "Bath Towel",
                      "Cutting Board", "Area Rug", "Bird Feeder", "Storage Bin"),
    "Books": ("Cookbook", "Mystery Novel", "Travel Guide", "Biography", "Sci-Fi Novel", "Poetry Collection",
              "History Book", "Children's Book", "Business Book", "Graphic Novel"),
    "Sports": ("Yoga Mat", "Running Shoes", "Dumbbell Set", "Tennis Racket", "Water Bottle", "Bike Helmet",
               "Resistance Bands", "Soccer Ball", "Hiking Backpack", "Jump Rope"),
    "Beauty": ("Face Serum", "Moisturizer", "Lipstick", "Shampoo", "Perfume", "Nail Polish", "Sunscreen",
               "Hair Dryer", "Makeup Brush Set", "Body Lotion"),
    "Toys": ("Building Blocks", "Puzzle", "Plush Bear", "Board Game", "RC Car", "Doll House", "Art Kit",
             "Train Set", "Kite", "Science Kit"),
    "Automotive": ("Car Charger", "Dash Cam", "Floor Mats", "Tire Inflator", "Seat Covers", "Wiper Blades",
                   "Jump Starter", "Car Wax", "Phone Mount", "Tool Kit"),
    "Jewelry": ("Necklace", "Bracelet", "Earrings", "Ring", "Watch", "Pendant", "Anklet", "Brooch", "Cufflinks",
                "Charm"),
    "Health": ("Vitamin D3", "Protein Powder", "First Aid Kit", "Thermometer", "Fish Oil", "Massage Gun",
               "Blood Pressure Monitor", "Probiotic", "Sleep Mask", "Heating Pad"),
}  # fmt: skip


@dataclass(frozen=True)
class NamePool:
    """Names with their relative frequency, as numpy arrays for vectorized index sampling."""

    names: pl.Series
    email_parts: pl.Series  # the name as it appears in an email address: lowercase letters only
    cumulative: np.ndarray

    @classmethod
    def of(cls, weighted: dict[str, float]) -> NamePool:
        weights = np.fromiter(weighted.values(), dtype=np.float64)
        names = pl.Series(list(weighted), dtype=pl.String)
        email_parts = names.str.to_lowercase().str.replace_all("[^a-z]", "")
        return cls(names, email_parts, np.cumsum(weights / weights.sum()))

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Indices into the pool, drawn by frequency."""
        return np.minimum(np.searchsorted(self.cumulative, rng.random(n), side="right"), len(self.names) - 1)


@cache
def first_names() -> NamePool:
    return NamePool.of({**PersonProvider.first_names_female, **PersonProvider.first_names_male})


@cache
def last_names() -> NamePool:
    return NamePool.of(dict(PersonProvider.last_names))
