"""The demo shop's catalog: product types, their option axes and base prices, and its house-style copy."""

import json
from importlib.resources import files

COLORS = ["black", "white", "red", "blue", "green", "grey", "navy", "beige"]
SIZES = ["XS", "S", "M", "L", "XL", "XXL"]

# name -> (base price, {option: values}, description)
CATALOG: dict[str, tuple[float, dict[str, list[str]], str]] = {
    "T-Shirt": (24.0, {"color": COLORS, "size": SIZES, "material": ["cotton", "polyester"]}, "Everyday crew-neck tee."),
    "Hoodie": (59.0, {"color": COLORS[:6], "size": SIZES, "style": ["pullover", "zip"]}, "Fleece-lined hoodie."),
    "Jeans": (69.0, {"fit": ["slim", "regular", "relaxed"], "waist": ["28", "30", "32", "34", "36"], "length": ["30", "32", "34"]}, "Five-pocket denim."),
    "Running Shoes": (119.0, {"color": COLORS[:5], "size": ["7", "8", "9", "10", "11", "12"]}, "Cushioned road running shoes."),
    "Hiking Boots": (159.0, {"size": ["7", "8", "9", "10", "11", "12"], "material": ["leather", "synthetic"], "waterproof": ["yes", "no"]}, "Ankle-high trail boots."),
    "Rain Jacket": (89.0, {"color": COLORS[:6], "size": SIZES[1:]}, "Packable waterproof shell."),
    "Wool Socks": (14.0, {"size": ["S", "M", "L"], "color": COLORS[:5], "pack": ["1", "3"]}, "Merino hiking socks."),
    "Baseball Cap": (22.0, {"color": COLORS, "fit": ["adjustable", "fitted"]}, "Six-panel cotton cap."),
    "Backpack": (79.0, {"color": COLORS[:6], "capacity": ["20L", "30L", "40L"], "material": ["nylon", "canvas"]}, "Daypack with laptop sleeve."),
    "Laptop Sleeve": (29.0, {"size": ["13 inch", "14 inch", "15 inch", "16 inch"], "color": COLORS[:5]}, "Padded neoprene sleeve."),
    "Water Bottle": (27.0, {"capacity": ["500ml", "750ml", "1000ml"], "material": ["stainless steel", "glass", "plastic"], "color": COLORS[:4]}, "Leak-proof bottle."),
    "Travel Mug": (24.0, {"capacity": ["350ml", "450ml"], "color": COLORS[:6], "lid": ["flip", "slide"]}, "Insulated commuter mug."),
    "Electric Kettle": (49.0, {"capacity": ["1L", "1.5L", "1.7L"], "material": ["glass", "stainless steel", "plastic"], "color": ["white", "black", "silver"]}, "Fast-boil kettle."),
    "Coffee Maker": (89.0, {"type": ["drip", "espresso", "french press"], "capacity": ["4 cups", "8 cups", "12 cups"], "color": ["black", "silver"]}, "Home coffee maker."),
    "Blender": (79.0, {"power": ["600W", "900W", "1200W"], "capacity": ["1L", "1.5L", "2L"], "color": ["black", "white"]}, "Countertop blender."),
    "Toaster": (39.0, {"slots": ["2", "4"], "color": ["black", "white", "red", "silver"], "finish": ["matte", "glossy"]}, "Wide-slot toaster."),
    "Air Fryer": (99.0, {"capacity": ["3L", "5L", "7L"], "color": ["black", "white", "grey"], "display": ["digital", "dial"]}, "Hot-air fryer."),
    "Cookware Set": (149.0, {"pieces": ["5", "8", "10"], "material": ["stainless steel", "non-stick", "cast iron"]}, "Pots and pans set."),
    "Chef Knife": (59.0, {"blade": ["6 inch", "8 inch", "10 inch"], "steel": ["German", "Japanese"], "handle": ["wood", "resin"]}, "Forged chef's knife."),
    "Cutting Board": (34.0, {"material": ["bamboo", "walnut", "plastic"], "size": ["small", "medium", "large"]}, "Reversible cutting board."),
    "Desk Lamp": (45.0, {"color": ["black", "white", "brass", "silver"], "brightness": ["low", "medium", "high"], "power source": ["USB", "AC adapter"]}, "LED desk lamp."),
    "Office Chair": (229.0, {"material": ["mesh", "fabric", "leather"], "color": ["black", "grey", "blue"], "armrest": ["fixed", "adjustable"]}, "Ergonomic office chair."),
    "Standing Desk": (399.0, {"size": ["120x60 cm", "140x70 cm", "160x80 cm"], "color": ["white", "black", "oak"], "motor": ["single", "dual"]}, "Height-adjustable desk."),
    "Bookshelf": (129.0, {"material": ["pine", "oak", "metal"], "height": ["3 shelves", "5 shelves"], "color": ["white", "black", "natural"]}, "Free-standing shelf."),
    "Bed Sheets": (69.0, {"size": ["twin", "full", "queen", "king"], "material": ["cotton", "linen", "bamboo"], "color": ["white", "grey", "blue"]}, "Four-piece sheet set."),
    "Pillow": (35.0, {"fill": ["down", "memory foam", "polyester"], "firmness": ["soft", "medium", "firm"], "size": ["standard", "king"]}, "Sleeping pillow."),
    "Duvet": (119.0, {"size": ["twin", "queen", "king"], "warmth": ["light", "all-season", "winter"], "fill": ["down", "synthetic"]}, "Quilted duvet."),
    "Bath Towel": (19.0, {"color": COLORS[:6], "size": ["hand", "bath", "sheet"], "pack": ["1", "2"]}, "Cotton terry towel."),
    "Scented Candle": (18.0, {"scent": ["lavender", "vanilla", "cedar", "citrus", "sea salt"], "size": ["small", "large"]}, "Soy-wax candle."),
    "Yoga Mat": (39.0, {"thickness": ["4mm", "6mm", "8mm"], "material": ["TPE", "natural rubber", "PVC"], "color": ["purple", "blue", "black", "green"]}, "Non-slip yoga mat."),
    "Dumbbell Set": (89.0, {"weight": ["5kg", "10kg", "20kg", "30kg"], "material": ["iron", "rubber", "urethane"]}, "Pair of dumbbells."),
    "Bicycle Helmet": (69.0, {"size": ["S", "M", "L"], "color": ["black", "white", "red", "blue"], "ventilation": ["standard", "high"]}, "Road and commuter helmet."),
    "Tent": (199.0, {"capacity": ["1 person", "2 person", "4 person"], "season": ["3-season", "4-season"], "color": ["green", "orange", "grey"]}, "Backpacking tent."),
    "Sleeping Bag": (119.0, {"temperature": ["-5C", "0C", "10C"], "fill": ["down", "synthetic"], "size": ["regular", "long"]}, "Mummy sleeping bag."),
    "Camping Stove": (59.0, {"fuel": ["butane", "propane", "multi-fuel"], "burners": ["1", "2"]}, "Portable stove."),
    "Headphones": (149.0, {"type": ["over-ear", "on-ear", "in-ear"], "connectivity": ["wired", "wireless"], "color": ["black", "white", "blue"]}, "Noise-cancelling headphones."),
    "Bluetooth Speaker": (79.0, {"color": ["black", "blue", "red", "green"], "battery life": ["10 hours", "20 hours"], "water resistance": ["yes", "no"]}, "Portable speaker."),
    "Smartwatch": (249.0, {"color": ["black", "silver", "gold"], "band": ["silicone", "leather", "metal"], "size": ["40mm", "44mm"]}, "Fitness smartwatch."),
    "Phone Case": (25.0, {"model": ["Phone 14", "Phone 15", "Phone 16", "Phone 17"], "color": COLORS[:5], "material": ["silicone", "leather"]}, "Slim protective case."),
    "USB-C Charger": (35.0, {"power": ["20W", "45W", "65W", "100W"], "ports": ["1", "2", "3"]}, "GaN wall charger."),
    "Power Bank": (45.0, {"capacity": ["5000mAh", "10000mAh", "20000mAh"], "color": ["black", "white", "blue"], "wireless charging": ["yes", "no"]}, "Portable battery."),
    "Mechanical Keyboard": (119.0, {"switch": ["linear", "tactile", "clicky"], "layout": ["full size", "tenkeyless", "75%"], "backlight": ["white", "RGB"]}, "Hot-swap keyboard."),
    "Wireless Mouse": (39.0, {"color": ["black", "white", "grey"], "sensor": ["optical", "laser"], "buttons": ["3", "6"]}, "Ergonomic mouse."),
    "Monitor": (279.0, {"size": ["24 inch", "27 inch", "32 inch"], "resolution": ["1080p", "1440p", "4K"], "refresh rate": ["60Hz", "144Hz"]}, "IPS monitor."),
    "Webcam": (69.0, {"resolution": ["720p", "1080p", "4K"], "field of view": ["78 degrees", "90 degrees"]}, "USB webcam."),
    "Notebook": (12.0, {"size": ["A5", "A4"], "paper": ["lined", "dotted", "blank"], "cover": ["hard", "soft"]}, "Stitched notebook."),
    "Fountain Pen": (49.0, {"nib": ["fine", "medium", "broad"], "color": ["black", "blue", "red", "green"], "material": ["resin", "steel"]}, "Refillable fountain pen."),
    "Board Game": (39.0, {"edition": ["standard", "deluxe"], "language": ["English", "Chinese", "Spanish"], "players": ["2-4", "2-6"]}, "Family strategy game."),
    "Jigsaw Puzzle": (22.0, {"pieces": ["500", "1000", "2000"], "theme": ["landscape", "animals", "art", "city"]}, "Cardboard puzzle."),
    "Plant Pot": (24.0, {"size": ["small", "medium", "large"], "material": ["ceramic", "terracotta", "concrete"], "color": ["white", "black", "green"]}, "Indoor planter with saucer."),
    "Sunglasses": (89.0, {"frame": ["black", "tortoise", "gold", "silver"], "lens": ["polarized", "non-polarized"], "shape": ["round", "square", "aviator"]}, "UV400 sunglasses."),
    "Umbrella": (29.0, {"size": ["compact", "full size"], "color": COLORS[:6], "opening": ["manual", "automatic"]}, "Windproof umbrella."),
}


def house_style() -> dict[str, dict[str, str]]:
    """The demo shop's committed copy (`house_style.json`), by product name and language."""
    data = json.loads(files("assistant.shop").joinpath("house_style.json").read_text(encoding="utf-8"))
    return {name: copy for name, copy in data.items() if not name.startswith("_")}
