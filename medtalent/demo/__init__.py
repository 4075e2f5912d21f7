"""Realistic demo data (zh-CN and English names): ``medtalent.demo.loader.load_demo_data``."""
